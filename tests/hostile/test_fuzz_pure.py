"""No input crashes the pure steps of the pipeline or holds them past their budget.

Each step is fed random and mutated input; it may only answer or raise its documented
error (`FeedError`, `BlockedURL`, `ValueError` for a URL that is not one), and each
example must finish within the profile's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crawler.dedup.fingerprint import fingerprint
from crawler.extract.article import extract_article
from crawler.extract.text import html_to_text, one_line
from crawler.fetch.guard import BlockedURL, check_url
from crawler.fetch.urls import canonical_url, outlet_of
from crawler.model import STATUSES
from crawler.settings import DedupSettings, SourceSettings
from crawler.sources.feed import FeedError, parse_feed
from crawler.status.relevance import TopicQuery
from crawler.status.rules import classify
from tests.feeds import REAL_FEEDS, Entry, rss
from tests.hostile.fuzz import article_text, fuzz, mutate

SOURCE = SourceSettings(name="fuzz", url="http://feeds.example/rss", topic="russia-ukraine-talks")
REAL = sorted(p for p in REAL_FEEDS.glob("*") if p.suffix != ".md")
SAMPLE_RSS = rss(
    [
        Entry("Talks in <b>Istanbul</b> & more", "https://a.example/1?utm_source=x", "body"),
        Entry("Second", "/relative/2", "<p>Kremlin says <script>x()</script> talks</p>"),
    ]
)
ATOM = (
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
    b'<entry><title type="html">A &lt;i&gt;b&lt;/i&gt;</title><link href="https://a.example/x"/>'
    b'<id>urn:1</id><updated>2025-05-20T10:00:00Z</updated><content type="html">'
    b"&lt;p&gt;Kyiv&lt;/p&gt;</content></entry></feed>"
)


def _check_feed(body: bytes) -> None:
    try:
        candidates, warning = parse_feed(body, url=str(SOURCE.url), source=SOURCE)
    except FeedError as exc:
        assert str(exc)
        return
    assert warning is None or isinstance(warning, str)
    for candidate in candidates:
        assert candidate.url.startswith(("http://", "https://"))
        assert isinstance(candidate.title, str) and isinstance(candidate.summary, str)


def test_entry_links_resolve_against_the_feed_and_a_link_without_a_host_is_none() -> None:
    feed = "http://news.example.org/world/feed.xml"
    links = {
        "relative": ("../news/1.html", "http://news.example.org/news/1.html"),
        "absolute, as written": (
            " http://other.example/a;?b=1#c ",
            "http://other.example/a;?b=1#c",
        ),
        "upper-case scheme": ("HTTPS://Other.example/x", "https://Other.example/x"),
        "scheme-relative": ("//cdn.example/x", "http://cdn.example/x"),
        "no host": ("http:///x", "http://news.example.org/x"),
        "nothing but a scheme": ("http://", None),  # not the feed's own URL
        "another scheme": ("ftp://files.example/x", None),
    }
    body = rss([Entry(name, link) for name, (link, _) in links.items()])
    candidates, _ = parse_feed(body, url=feed, source=SourceSettings(name="s", url=feed))
    assert {c.title: c.url for c in candidates} == {
        name: url for name, (_, url) in links.items() if url is not None
    }


@fuzz(examples=150, deadline_ms=2000)
@given(st.binary(max_size=4096))
def test_feed_parser_on_random_bytes(body: bytes) -> None:
    _check_feed(body)


@fuzz(examples=60, deadline_ms=3000)
@given(st.one_of(mutate(SAMPLE_RSS), mutate(ATOM)))
def test_feed_parser_on_mutated_feeds(body: bytes) -> None:
    _check_feed(body)


@pytest.mark.parametrize("path", REAL[:6], ids=lambda p: p.name)
@fuzz(examples=8, deadline_ms=5000)
@given(data=st.data())
def test_feed_parser_on_mutated_real_feeds(path, data) -> None:  # type: ignore[no-untyped-def]
    _check_feed(data.draw(mutate(path.read_bytes())))


@fuzz(examples=80, deadline_ms=2000)
@given(
    title=st.text(max_size=300),
    link=st.text(max_size=200),
    summary=st.text(max_size=1000),
    encoding=st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "windows-1251"]),
)
def test_feed_parser_on_hostile_entry_fields(title, link, summary, encoding) -> None:  # type: ignore[no-untyped-def]
    body = rss([Entry(title, link, summary)], encoding=encoding)
    _check_feed(body)


HTML_PIECES = st.sampled_from(
    [
        "<html>",
        "<head>",
        "<title>",
        "</title>",
        "<body>",
        "<article>",
        "<p>",
        "</p>",
        "<script>",
        "</script>",
        "<style>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<a href='javascript:alert(1)'>",
        "&amp;",
        "&#0;",
        "&#x1F600;",
        "&bogus;",
        "<meta charset='utf-16'>",
        "<meta http-equiv=refresh content='0;url=file:///'>",
        "<div",
        ">",
        "<",
        "\x00",
        "\ufeff",
        "Kyiv and Moscow held peace talks. ",
        "<table>",
        "<td>",
        "<time datetime='9999-99-99'>",
        '<meta property="article:published_time" content="0">',
        "<html lang='xx-\u00ff'>",
        "<br/>" * 3,
        "<noscript>",
        "</noscript>",
        "<iframe>",
    ]
)
html_docs = st.one_of(
    st.text(max_size=3000),
    st.lists(st.one_of(HTML_PIECES, st.text(max_size=40)), max_size=300).map("".join),
)


@fuzz(examples=80, deadline_ms=5000)
@given(html_docs, st.one_of(st.none(), st.text(max_size=60)))
def test_extraction_never_raises(html: str, url: str | None) -> None:
    page = extract_article(html, url)
    assert isinstance(page.text, str) and isinstance(page.title, str)
    assert (page.error is None) == bool(page.text)


@fuzz(examples=200, deadline_ms=1000)
@given(html_docs)
def test_html_to_text_never_raises_and_keeps_no_markup_or_controls(fragment: str) -> None:
    text = html_to_text(fragment)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    line = one_line(fragment)
    assert "\n" not in line and "\r" not in line


URL_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "file://",
        "javascript:",
        "//",
        "/",
        "?",
        "#",
        "&",
        "=",
        "[",
        "]",
        "::1",
        "[::1]",
        "127.0.0.1",
        "localhost",
        ":",
        ":0",
        ":99999",
        ":-1",
        "@",
        "%",
        "%00",
        "%zz",
        "..",
        "utm_source=x",
        "amp",
        "www.",
        "m.",
        "xn--",
        "\u00e9",
        "\u3002",
        "\t",
        "\n",
        " ",
        "\x00",
        "\\",
        "example.co.uk",
        "a" * 70,
        ".",
    ]
)
urls = st.one_of(st.text(max_size=200), st.lists(URL_PIECES, max_size=20).map("".join))


@fuzz(examples=300, deadline_ms=1000)
@given(urls)
def test_canonical_url_and_outlet_answer_or_refuse_with_value_error(url: str) -> None:
    try:
        canon = canonical_url(url)
    except ValueError:
        return
    assert isinstance(canon, str) and "#" not in canon
    assert isinstance(outlet_of(canon), str)


@contextlib.contextmanager
def offline_dns() -> Iterator[None]:
    """Names do not resolve, as on a machine without a network, but at once: the
    system resolver took 5 s to give up on 'www.www.' here (and could reach the
    internet on a machine that has one). Address literals still go through."""
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: Any, **kwargs: Any) -> Any:
        try:
            ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, *args, **kwargs)

    with mock.patch("socket.getaddrinfo", getaddrinfo):
        yield


@fuzz(examples=300, deadline_ms=2000)
@given(urls)
@example("http://[")  # found by the full run: ValueError escaped check_url
@example("http://[]/")
def test_check_url_answers_or_refuses(url: str) -> None:
    try:
        with offline_dns():
            asyncio.run(check_url(url, allow_private=False))
    except BlockedURL as exc:
        assert str(exc)
        return
    # Allowed: only http(s) to a host that resolved to public addresses, which no
    # generated host does offline.
    pytest.fail(f"allowed {url!r}")


@fuzz(examples=120, deadline_ms=3000)
@given(title=article_text, text=article_text)
def test_classifier_answers_every_text_within_budget(title: str, text: str) -> None:
    verdict = classify(title, text)
    assert verdict.status in STATUSES
    assert 0.0 <= verdict.confidence <= 1.0
    assert all(isinstance(s, str) and s for s in verdict.evidence)


@fuzz(examples=20, deadline_ms=5000)
@given(st.sampled_from(["no ", "ceasefire ", "talks ", "not ", ". ", "“", "a" * 50, "—"]))
def test_classifier_on_long_repetitive_text(piece: str) -> None:
    verdict = classify(piece * 50, piece * 20_000)
    assert verdict.status in STATUSES


DEDUP = DedupSettings()


@fuzz(examples=150, deadline_ms=2000)
@given(title=article_text, text=article_text)
def test_fingerprint_of_any_text(title: str, text: str) -> None:
    fp = fingerprint(title, text, DEDUP)
    assert len(fp.content_hash) == 64
    assert len(fp.signature) == 4 * DEDUP.num_perm
    assert fingerprint(title, text, DEDUP).content_hash == fp.content_hash


@fuzz(examples=150, deadline_ms=2000)
@given(
    query=st.lists(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=5), max_size=4),
    title=article_text,
    text=article_text,
)
def test_topic_query_of_any_terms_and_text(query, title: str, text: str) -> None:  # type: ignore[no-untyped-def]
    topic = TopicQuery.from_lists(query)
    hits = topic.hits(f"{title}\n{text}")
    assert len(hits) == len(query)
    relevant = topic.is_relevant(title, text)
    assert relevant == (topic.relevance(title, text) == 1.0)
    joined = "\n".join(t for t in (title, text) if t)
    assert topic.groups_hit(title, text) == sum(hit is not None for hit in topic.hits(joined))
    assert relevant == all(hit is not None for hit in topic.hits(joined))


@fuzz(examples=150, deadline_ms=2000)
@given(
    query=st.lists(
        st.lists(st.text("akisſıKİ -*", min_size=1, max_size=8), min_size=1, max_size=4),
        max_size=3,
    ),
    text=st.text("akisAKIS -\n", max_size=40),
)
def test_topic_query_on_ascii_text_counts_as_its_patterns(query, text: str) -> None:  # type: ignore[no-untyped-def]
    """ASCII text skips the groups whose stems it lacks: never one that would hit,
    letters that case-folding matches to ASCII (ſ, ı, K) included."""
    topic = TopicQuery.from_lists(query)
    assert topic.groups_hit(text) == sum(hit is not None for hit in topic.hits(text))


def test_control_characters_around_a_link_do_not_reach_the_stored_url() -> None:
    """Found by the full fuzz run: urljoin passes an absolute link through untouched."""
    body = (
        b'<?xml version="1.0"?><rss><channel><item><title>Talks in Istanbul</title>'
        b"<link>\x00https://a.example/1?utm_source=x</link></item></channel></rss>"
    )
    candidates, _ = parse_feed(body, url=str(SOURCE.url), source=SOURCE)
    assert [c.url for c in candidates] == ["https://a.example/1?utm_source=x"]
