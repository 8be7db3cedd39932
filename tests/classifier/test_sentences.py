"""Sentences as evidence is quoted from them: English, Russian and Ukrainian prose."""

from __future__ import annotations

from crawler.extract.sentences import split_sentences


def _texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_russian_sentences_split_before_cyrillic_capitals_and_quotes() -> None:
    # Kommersant-style lede, 2025-05-16.
    text = (
        "Переговоры в Стамбуле завершились. Стороны договорились об обмене пленными. "
        "«Мы готовы продолжать контакты», — заявил Мединский."
    )
    assert _texts(text) == [
        "Переговоры в Стамбуле завершились.",
        "Стороны договорились об обмене пленными.",
        "«Мы готовы продолжать контакты», — заявил Мединский.",
    ]


def test_ukrainian_abbreviations_do_not_end_a_sentence() -> None:
    text = "У 2022 р. переговори зупинилися. Зеленський заявив: «Ми готові». Далі буде."
    assert _texts(text) == [
        "У 2022 р. переговори зупинилися.",
        "Зеленський заявив: «Ми готові».",
        "Далі буде.",
    ]


def test_russian_year_and_thousands_abbreviations_hold() -> None:
    text = "Встреча прошла 5 мая 2025 г. в Стамбуле. В обмене участвовали 1 тыс. человек."
    assert _texts(text) == [
        "Встреча прошла 5 мая 2025 г. в Стамбуле.",
        "В обмене участвовали 1 тыс. человек.",
    ]


def test_english_still_splits_and_keeps_offsets() -> None:
    text = 'Talks ended. "We are ready," he said. U.S. officials agreed.'
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Talks ended.",
        '"We are ready," he said.',
        "U.S. officials agreed.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_language_is_the_feeds_word_else_the_alphabet() -> None:
    from crawler.status.language import detect

    assert detect("Переговори у Стамбулі завершилися", "") == "uk"
    assert detect("Переговоры в Стамбуле завершились", "") == "ru"
    assert detect("Talks in Istanbul end", "") == "en"
    assert detect("Talks in Istanbul end", "", "ru-RU") == "ru"
    assert detect("Gespräche in Istanbul beendet", "", "de-DE") == "de"
    assert detect("Переговори", "", "UA") == "uk"
    assert detect("Переговоры", "", "not a code!") == "ru"
