"""A source's first crawl tidies, gates and reads its entries beside the feed's parse, in
the worker, and ingest stores exactly what it would have stored doing it all itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from crawler.model import Candidate
from crawler.settings import SourceSettings, TopicSettings
from crawler.sources.feed import parse_feed_document, read_feed
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from crawler.store.migrate import open_database
from crawler.store.tables import Article
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


def _stored(tmp: Path, name: str, ingestor: Ingestor, candidates: list[Candidate]):
    engine = open_database(f"sqlite:///{tmp}/{name}.db")
    with session_scope(engine) as session:
        report = ingestor.ingest(session, candidates, NOW)
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

    gated = read_feed(_feed(), url=URL, source=source, gate=spec).candidates
    assert all(c.admission is not None for c in gated)
    kept = [c for c in gated if c.admission and c.admission.relevant]
    assert kept and all(c.analysis and c.analysis.verdict for c in kept)  # status read too
    plain = parse_feed_document(_feed(), url=URL, source=source).candidates
    assert all(c.admission is None for c in plain)

    beside = _stored(tmp_path, "beside", Ingestor([topic]), gated)
    alone = _stored(tmp_path, "alone", Ingestor([topic]), plain)
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
    articles, _, _ = _stored(tmp_path, "now", Ingestor([now]), gated)
    assert articles == []
