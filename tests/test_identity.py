"""Pure decisions: canonical URLs, outlets, topic relevance."""

from __future__ import annotations

import pytest

from crawler.config_types import parse_duration
from crawler.fetch.urls import canonical_url, outlet_of
from crawler.settings import DEFAULT_TOPIC_QUERY
from crawler.status.relevance import TopicQuery


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://WWW.Example.COM:443/a/b.html?utm_source=x&z=1&a=2#top",
            "https://example.com/a/b.html?a=2&z=1",
        ),
        ("http://example.com:80/a/?fbclid=1&gclid=2", "http://example.com/a"),
        ("https://amp.example.com/world/story.amp.html", "https://example.com/world/story.html"),
        ("https://example.com/world/story/amp/", "https://example.com/world/story"),
        ("https://m.example.co.uk/news/1", "https://example.co.uk/news/1"),
        ("https://example.org:8443/x?b=2&a=1", "https://example.org:8443/x?a=1&b=2"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("url", "outlet"),
    [
        ("https://www.bbc.co.uk/news/world", "bbc.co.uk"),
        ("https://edition.cnn.com/x", "cnn.com"),
        ("http://127.0.0.1:8080/a", "127.0.0.1"),
        ("http://localhost/a", "localhost"),
    ],
)
def test_outlet_is_the_registrable_domain(url, outlet):
    assert outlet_of(url) == outlet


@pytest.mark.parametrize(
    ("text", "relevant"),
    [
        ("Ukrainian and Russian negotiators meet in Geneva", True),
        ("Zelenskyy says the Kremlin stalls the cease-fire", True),
        ("Kyiv and Moscow agree a cease fire", True),
        ("Ukraine's economy grows as Russia's shrinks", False),
        ("Peace talks on Gaza continue in Cairo", False),
        ("Ukrainians in Russiandoll costume attend peace rally", True),
        ("Ukraine and Russia; peacekeeping is discussed", False),
        ("The ukelele festival: russet apples and talks", False),
    ],
)
def test_topic_relevance_needs_every_group(text, relevant):
    assert TopicQuery.from_lists(DEFAULT_TOPIC_QUERY).is_relevant(text) is relevant


@pytest.mark.parametrize("text", ["Local football results", "Погода на завтра", "", "<b>!</b>"])
def test_a_lone_star_matches_every_text(text):
    # `query = [["*"]]` with `relevance = "query"`: a topic that stores every entry.
    assert TopicQuery.from_lists([["*"]]).is_relevant("Headline", text)
    assert TopicQuery.from_lists([["*"]]).is_relevant(text)


def test_durations():
    assert parse_duration("15m").total_seconds() == 900
    assert parse_duration("1d").total_seconds() == 86400
    assert parse_duration(30).total_seconds() == 30
    with pytest.raises(ValueError):
        parse_duration("15x")
