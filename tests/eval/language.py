"""Language detection on the labelled corpus: `python -m tests.eval.language`.

Compares peacewatch's detector (`crawler.status.language`: the alphabet decides among
English, Russian and Ukrainian) with lingua restricted to the same three languages,
when lingua is installed (`pip install lingua-language-detector`): agreement with the
labellers' `lang` and CPU per item.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from crawler.status import corpus
from crawler.status.language import detect


def _lingua() -> Callable[[str, str], str] | None:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    codes = {Language.ENGLISH: "en", Language.RUSSIAN: "ru", Language.UKRAINIAN: "uk"}
    detector = LanguageDetectorBuilder.from_languages(*codes).build()

    def read(title: str, text: str) -> str:
        found = detector.detect_language_of(f"{title} {text[:600]}")
        return codes.get(found, "?") if found is not None else "?"

    return read


def main() -> int:
    items = corpus.items()
    readers: dict[str, Callable[[str, str], str]] = {"peacewatch": detect}
    lingua = _lingua()
    if lingua is not None:
        readers["lingua"] = lingua
    else:
        print("lingua is not installed: measuring peacewatch's detector alone")
    for name, read in readers.items():
        started = time.process_time()
        right = sum(read(i.title, i.text) == i.lang for i in items)
        per = (time.process_time() - started) / len(items)
        print(
            f"{name:<12} {right}/{len(items)} = {right / len(items):.4f}   {per * 1e6:.0f} us/item"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
