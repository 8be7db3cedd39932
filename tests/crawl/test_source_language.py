"""A source's declared `language` stands in for a feed that declares none."""

from __future__ import annotations

from crawler.settings import SourceSettings
from crawler.sources.feed import parse_feed
from crawler.status.language import detect


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
