"""Languages in the pipeline: a source's declared language, a topic's terms per language."""

from __future__ import annotations

from crawler.analysis import admit
from crawler.model import Candidate, Classification
from crawler.settings import SourceSettings, TopicSettings
from crawler.sources.feed import parse_feed
from crawler.status.language import detect
from crawler.store.ingest import Ingestor


def _feed(language: str = "") -> bytes:
    declared = f"<language>{language}</language>" if language else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>t</title><link>https://e.org/</link>{declared}"
        "<item><title>Peace talks resume</title><link>https://e.org/a</link></item>"
        "</channel></rss>"
    ).encode()


def test_the_sources_language_is_used_when_the_feed_declares_none() -> None:
    source = SourceSettings(name="s", url="https://e.org/rss", language="uk")
    (candidate,), _ = parse_feed(_feed(), url="https://e.org/rss", source=source)
    assert detect(candidate.title, candidate.summary, candidate.language) == "uk"
    (candidate,), _ = parse_feed(_feed("ru-RU"), url="https://e.org/rss", source=source)
    assert detect(candidate.title, candidate.summary, candidate.language) == "ru"
    plain = SourceSettings(name="s", url="https://e.org/rss")
    (candidate,), _ = parse_feed(_feed(), url="https://e.org/rss", source=plain)
    assert detect(candidate.title, candidate.summary, candidate.language) == "en"


UK_TITLE = "Київ готовий до перемовин"
UK_TEXT = "Президент сказав, що Київ готовий до перемовин із Москвою про мир."


def test_a_topics_terms_for_a_language_let_its_articles_in() -> None:
    topic = TopicSettings(
        name="t",
        relevance="query",
        query=[["kyiv"], ["talks"]],
        terms={"uk": [["київ"], ["перемовин*"]]},
    )
    ingestor = Ingestor([topic], classifiers={"t": _none})
    stored: list[bool] = []
    for url, language in (("https://e.org/uk", None), ("https://e.org/plain", "en")):
        candidate = Candidate(url=url, title=UK_TITLE, topic="t", text=UK_TEXT, language=language)
        candidate.language = detect(candidate.title, candidate.body, candidate.language)
        stored.append(admit(candidate, ingestor.gate("t"))[0])
    assert stored == [True, False]  # detected Ukrainian reads the uk terms; declared en does not


def _none(title: str, text: str, language: str | None = None) -> Classification:
    return Classification("none", 0.5, [])
