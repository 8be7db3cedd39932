"""Every saved real feed goes through a crawl: entries, or a readable recorded error."""

from __future__ import annotations

import gzip

from tests.conftest import write_config
from tests.feeds import REAL_FEEDS
from tests.servers import Response

# Counts as feedparser reads each document; the truncated Reuters feed has none.
EXPECTED_ERRORS = {"reuters_most_read_2020-03-21_TRUNCATED_server_error"}


def _documents():
    return sorted(p for p in REAL_FEEDS.iterdir() if p.suffix not in {".md", ".tsv"})


def test_every_real_feed_yields_entries_or_a_readable_error(http_server, cli, config_path, db_url):
    docs = _documents()
    listed = (REAL_FEEDS / "provenance.tsv").read_text().splitlines()[1:]
    assert len(docs) == len(listed) >= 26
    sources = []
    for doc in docs:
        name = doc.name.split(".")[0]
        body = doc.read_bytes()
        # Served as saved: the .gz file goes out as raw gzip bytes under an XML type.
        http_server.route(f"/{doc.name}", Response(body=body, headers={"Content-Type": "text/xml"}))
        sources.append({"name": name, "url": http_server.url(f"/{doc.name}")})
    write_config(config_path, database=db_url, sources=sources)

    result = cli("crawl", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    errors = {e["source"]: e["error"] for e in report["errors"]}
    assert set(errors) == EXPECTED_ERRORS
    for error in errors.values():
        assert "malformed" in error and "\n" not in error
    per = {row["source"]: row for row in report["by_source"]}
    for doc in docs:
        name = doc.name.split(".")[0]
        if name in EXPECTED_ERRORS:
            continue
        assert per[name]["entries"] >= 1, name
    # None of these old feeds is about the talks. One entry, the Guardian's "Russia-backed
    # Syrian peace talks agree deal on new constitution" (2018), passes English's relevance
    # threshold and is stored; the rest are skipped. Its status is a known misreading
    # (`ongoing`; the fixed-share blend read `none` by 0.243 against 0.240): how often
    # stories that report no talks status are read as talks is measured on real coverage
    # (`python -m tests.eval.status`), where the regression blend reads fewer so.
    assert report["entries_seen"] == report["skipped"] + 1 > 300
    assert report["new_articles"] == 1
    stored = cli("articles", "--json").json()
    assert [a["title"][:26] for a in stored] == ["Russia-backed Syrian peace"]
    health = {s["name"]: s for s in cli("sources", "--json").json()}
    assert all(h["polls"] == 1 for h in health.values())
    assert sum(1 for h in health.values() if h["consecutive_failures"]) == len(EXPECTED_ERRORS)


def test_gzip_feed_served_with_content_encoding(http_server, cli, config_path, db_url):
    doc = REAL_FEEDS / "nshipster_gzipped_invalid_chars.xml.gz"
    http_server.route(
        "/nshipster.xml",
        Response(
            body=doc.read_bytes(),
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        ),
    )
    write_config(
        config_path,
        database=db_url,
        sources=[{"name": "n", "url": http_server.url("/nshipster.xml")}],
    )
    report = cli("crawl", "--json").json()
    assert report["errors"] == []
    assert report["entries_seen"] == len(gzip.decompress(doc.read_bytes()).split(b"<item>")) - 1


def test_the_fast_parser_reads_real_feeds_as_feedparser_does():
    # fastfeedparser reads the documents it can read as feedparser would; an aggregator
    # source is always read by feedparser (its `<source>` elements), which none of these
    # feeds has, so the two readings of one document can be set side by side.
    from crawler.extract.text import html_to_text
    from crawler.settings import SourceSettings
    from crawler.sources.feed import FeedError, _fast_read, parse_feed_document

    fast_source = SourceSettings(name="s", url="http://example.org/feed.xml")
    slow_source = fast_source.model_copy(update={"aggregator": True})
    read_fast = 0
    for doc in _documents():
        body = doc.read_bytes()
        body = gzip.decompress(body) if doc.suffix == ".gz" else body
        read_fast += _fast_read(body, {}, fast_source) is not None
        try:
            fast = parse_feed_document(body, url=str(fast_source.url), source=fast_source)
        except FeedError:
            assert doc.name.split(".")[0] in EXPECTED_ERRORS
            continue
        slow = parse_feed_document(body, url=str(fast_source.url), source=slow_source)
        assert (fast.ttl_minutes, fast.warning) == (slow.ttl_minutes, slow.warning), doc.name
        assert len(fast.candidates) == len(slow.candidates), doc.name
        for a, b in zip(fast.candidates, slow.candidates, strict=True):
            assert (a.url, a.title, a.author, a.language) == (b.url, b.title, b.author, b.language)
            assert html_to_text(a.summary) == html_to_text(b.summary), doc.name
            # A date feedparser cannot read ("mer, 16 nov 2022", "08/02/2013") may be found.
            assert a.published == b.published or b.published is None, (doc.name, a.title)
    assert read_fast >= 20
