"""A source's first crawl tidies, gates and reads its entries beside the feed's parse, in
the worker, and ingest stores exactly what it would have stored doing it all itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from crawler.crawl import Crawl, turned_away
from crawler.model import Candidate, PollResult
from crawler.settings import NetworkSettings, SourceSettings, TopicSettings
from crawler.sources.feed import parse_feed_document, read_feed
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from crawler.store.migrate import open_database
from crawler.store.sources import sync_sources
from crawler.store.tables import Article, Source
from tests.feeds import Entry, rss, talks_entry, unrelated_entry

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
URL = "https://news.example.org/rss"


def _feed() -> bytes:
    return rss(
        [
            talks_entry(1),
            unrelated_entry(),
            Entry(
                "Україна та Росія домовилися про перемир'я на переговорах у Стамбулі",
                "https://news.example.org/uk/truce.html",
                "<p>Делегації погодили <b>припинення вогню</b> на 30 днів.</p>",
            ),
            Entry(
                "Ceasefire talks between Russia and Ukraine " + "resume " * 300,
                "https://news.example.org/long.html",
                "<div>Envoys met in Geneva &amp; agreed to keep talking.</div>",
            ),
            Entry(
                "Russian strikes hit Kharkiv overnight",
                "https://news.example.org/war.html",
                "Missiles struck the city; no talks were mentioned.",
            ),
        ]
    )


def _stored(
    tmp: Path, name: str, ingestor: Ingestor, candidates: list[Candidate], poll: PollResult
):
    """What ingest stores of `candidates` and, with the entries the worker only counted
    (`poll.turned_away`), what it reports, as a crawl counts them."""
    engine = open_database(f"sqlite:///{tmp}/{name}.db")
    with session_scope(engine) as session:
        report = ingestor.ingest(session, candidates, NOW)
    report.merge(turned_away(poll))
    keep = ("url", "title", "summary", "language", "relevance", "status", "evidence")
    with session_scope(engine) as session:
        rows = session.exec(select(Article).order_by(Article.url)).all()
        found = [{k: getattr(a, k) for k in keep} for a in rows]
    return found, report.skipped, report.truncated


def test_entries_gated_beside_the_parse_are_stored_as_ingest_alone_would(
    tmp_path: Path,
) -> None:
    topic = TopicSettings()
    source = SourceSettings(name="s", url=URL, topic=topic.name)
    spec = Ingestor([topic]).analysis_spec(topic.name)

    parsed = read_feed(_feed(), url=URL, source=source, gate=spec)
    gated = parsed.candidates  # what the worker sends back: only what the gate kept
    assert gated and all(c.admission and c.admission.relevant for c in gated)
    assert all(c.analysis and c.analysis.verdict for c in gated)  # status read too
    assert parsed.turned_away is not None and parsed.turned_away.count >= 1
    plain = parse_feed_document(_feed(), url=URL, source=source).candidates
    assert all(c.admission is None for c in plain)
    assert len(plain) == len(gated) + parsed.turned_away.count

    poll = PollResult("s", turned_away=parsed.turned_away)
    beside = _stored(tmp_path, "beside", Ingestor([topic]), gated, poll)
    alone = _stored(tmp_path, "alone", Ingestor([topic]), plain, PollResult("s"))
    assert beside == alone
    articles, skipped, truncated = beside
    titles = {a["title"] for a in articles}
    assert "Local bakery wins national bread award" not in titles and skipped >= 1
    assert truncated == {"https://news.example.org/long.html": ["title"]}
    truce = next(a for a in articles if a["url"].endswith("/uk/truce.html"))
    assert truce["language"] == "uk" and truce["summary"] == (
        "Делегації погодили припинення вогню на 30 днів."
    )


def test_a_gating_made_under_other_settings_is_not_trusted(tmp_path: Path) -> None:
    """A daemon whose topic changed between the parse and the store (a reload): ingest
    gates again under the topic as it now stands."""
    before = TopicSettings()
    source = SourceSettings(name="s", url=URL, topic=before.name)
    spec = Ingestor([before]).analysis_spec(before.name)
    gated = read_feed(_feed(), url=URL, source=source, gate=spec).candidates
    assert any(c.admission and c.admission.relevant for c in gated)

    now = TopicSettings(never=["talks", "переговор*"])
    articles, _, _ = _stored(tmp_path, "now", Ingestor([now]), gated, PollResult("s"))
    assert articles == []


def test_a_feed_whose_turned_away_entries_were_gated_under_other_settings_is_read_again(
    tmp_path: Path,
) -> None:
    """The entries the worker turned away are not sent back, so ingest cannot gate them
    again under a topic changed since (a reload): the feed's validators are not kept,
    and its next poll brings every entry back for ingest to gate."""
    before = TopicSettings()
    source = SourceSettings(name="s", url=URL, topic=before.name)
    parsed = read_feed(
        _feed(), url=URL, source=source, gate=Ingestor([before]).analysis_spec(before.name)
    )
    assert parsed.turned_away is not None
    engine = open_database(f"sqlite:///{tmp_path}/reload.db")
    with session_scope(engine) as session:
        sync_sources(session, [source])

    def poll(topic: TopicSettings) -> Crawl:
        crawl = Crawl(engine, Ingestor([topic]), NetworkSettings(), defer=True)
        result = PollResult("s", etag='"v1"', turned_away=parsed.turned_away)
        crawl.store(result, [])
        return crawl

    same = poll(before)
    assert same.deferred["s"][0] == '"v1"'  # kept: the next poll may answer 304
    assert same.report.skipped == same.report.entries_seen == parsed.turned_away.count

    changed = poll(TopicSettings(never=["bakery"]))
    assert "s" not in changed.deferred
    assert changed.report.skipped == parsed.turned_away.count
    with session_scope(engine) as session:
        row = session.exec(select(Source).where(Source.name == "s")).one()
        assert row.etag is None and row.last_modified is None
