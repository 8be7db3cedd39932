"""No input crashes the steps with I/O: a poll over real HTTP, an ingest into SQLite.

`poll_feed` is fed random bodies and headers by a local server and must return its
result (errors inside it, never raised); `Ingestor.ingest` is fed random candidates
and must store or skip each one in a transaction that commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from crawler.fetch.http import HttpFetcher
from crawler.model import Candidate
from crawler.settings import NetworkSettings, SourceSettings, TopicSettings
from crawler.sources.feed import poll_feed
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from crawler.store.tables import Article
from scheduler.database import open_database
from tests.feeds import Entry, rss
from tests.hostile.fuzz import article_text, fuzz, mutate
from tests.servers import LocalHTTPServer, Response

SAMPLE = rss([Entry("Kyiv and Moscow resume peace talks", "https://a.example/1", "Talks.")])


@pytest.fixture(scope="module")
def feed_server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    yield server
    server.stop()


headers = st.dictionaries(
    st.sampled_from(["Content-Type", "Content-Encoding", "ETag", "Last-Modified", "Location"]),
    st.one_of(
        st.sampled_from(
            [
                "gzip",
                "deflate",
                "br",
                "identity",
                "gzip, gzip",
                "text/xml; charset=utf-7",
                "application/rss+xml; charset=bogus",
                "/elsewhere",
                "file:///etc/passwd",
            ]
        ),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    ),
)


@fuzz(examples=60, deadline_ms=4000)
@given(
    body=st.one_of(st.binary(max_size=2048), mutate(SAMPLE)),
    extra=headers,
    status=st.sampled_from([200, 200, 200, 203, 301, 304, 404, 500]),
)
def test_poll_feed_returns_whatever_the_server_sends(
    feed_server: LocalHTTPServer, body: bytes, extra: dict[str, str], status: int
) -> None:
    feed_server.route("/feed.xml", Response(status, body, headers=extra))
    network = NetworkSettings(allow_private=True, total_timeout=3, read_timeout=2)
    source = SourceSettings(name="fuzz", url=feed_server.url("/feed.xml"))

    async def poll():  # type: ignore[no-untyped-def]
        async with HttpFetcher(network) as fetcher:
            return await poll_feed(fetcher, source)

    result = asyncio.run(poll())
    assert result.error is None or (isinstance(result.error, str) and result.error)
    assert all(c.url.startswith(("http://", "https://")) for c in result.candidates)


candidates = st.builds(
    Candidate,
    url=st.one_of(
        st.text(max_size=80),
        st.from_regex(r"https?://[a-z]{1,8}\.example/[a-z0-9/?=&%#.]{0,30}", fullmatch=True),
    ),
    title=article_text,
    topic=st.sampled_from(["russia-ukraine-talks", "unknown-topic", ""]),
    summary=article_text,
    text=st.one_of(st.none(), article_text),
    published=st.one_of(
        st.none(),
        st.datetimes(timezones=st.just(UTC)),
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    ),
    outlet=st.one_of(st.none(), st.text(max_size=30)),
    author=st.one_of(st.none(), st.text(max_size=30)),
    language=st.one_of(st.none(), st.text(max_size=10)),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Ingestor]:
    path: Path = tmp_path_factory.mktemp("ingest") / "pw.db"
    return open_database(f"sqlite:///{path}"), Ingestor([TopicSettings()])


@fuzz(examples=60, deadline_ms=5000)
@given(batch=st.lists(candidates, max_size=6))
def test_ingest_stores_or_skips_every_candidate(store, batch: list[Candidate]) -> None:  # type: ignore[no-untyped-def]
    engine, ingestor = store
    with session_scope(engine) as session:
        before = session.exec(select(func.count(Article.id))).one()[0]
        report = ingestor.ingest(session, batch)
    with session_scope(engine) as session:
        after = session.exec(select(func.count(Article.id))).one()[0]
    assert report.seen == len(batch)
    assert report.skipped + report.duplicates + report.new_articles == len(batch)
    assert after - before == len(report.article_ids)
