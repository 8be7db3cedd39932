"""`peacewatch label`: a person's correction wins at once, survives `reclassify`, shows in
the listings and becomes a training row, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from crawler.store.corrections import labelled
from crawler.store.db import make_engine, session_scope
from notifier.shifts.record import detect_and_record
from scheduler.config import load_settings
from scheduler.database import current_revision, head_revision, open_database, upgrade
from tests.alerts.conftest import CEASEFIRE, REUTERS_OWN, ingest, own_text
from tests.conftest import CLI, write_config


@pytest.fixture
def setup(any_db_url: str, config_path: Path) -> tuple[CLI, str]:
    write_config(config_path, database=any_db_url)
    return CLI(config_path), any_db_url


def _articles(cli: CLI) -> dict[str, dict]:
    result = cli("articles", "--json")
    assert result.exit_code == 0, result.stderr
    return {a["outlet"]: a for a in result.json()}


def _detect(config: Path, now: datetime) -> list[tuple[str, str | None, str, str | None]]:
    """Run one shift-detection pass as a crawl would; the decisions it recorded."""
    settings = load_settings(config)
    engine = open_database(settings.database.url)
    try:
        shifts = detect_and_record(engine, settings.topics, settings.alerts, [], now)
        return [(s.kind, s.from_status, s.to_status, s.suppressed) for s in shifts]
    finally:
        engine.dispose()


def _store(db_url: str, rows: list[tuple[str, str, str, datetime]]) -> None:
    engine = open_database(db_url)
    ingest(engine, rows)
    engine.dispose()


def test_a_correction_is_what_the_next_shift_detection_reads(setup) -> None:
    cli, db_url = setup
    now = datetime.now(UTC)
    when = now - timedelta(minutes=5)
    _store(
        db_url,
        [
            ("apnews.com", CEASEFIRE, "ongoing", when),
            ("reuters.com", CEASEFIRE + " after talks in Istanbul", "ongoing", when, REUTERS_OWN),
        ],
    )
    ids = {outlet: a["id"] for outlet, a in _articles(cli).items()}
    for outlet in ("apnews.com", "reuters.com"):
        result = cli("label", str(ids[outlet]), "ceasefire")
        assert result.exit_code == 0, result.stderr
        assert "ongoing -> ceasefire" in result.stderr and result.stdout == ""
    shown = _articles(cli)["apnews.com"]
    assert shown["status"] == "ceasefire" and shown["confidence"] == 1.0
    assert shown["corrected"] is True
    assert shown["evidence"][0].startswith("Corrected by a person (cli, ")
    table = cli("articles").stdout
    assert table.count("ceasefire (corrected)") == 2
    raised = [s for s in _detect(cli.config, now) if s[3] is None]
    assert ("decisive_status", "none", "ceasefire", None) in raised


def test_an_article_called_not_relevant_is_no_coverage(setup) -> None:
    cli, db_url = setup
    now = datetime.now(UTC)
    when = now - timedelta(minutes=5)
    _store(
        db_url,
        [
            ("apnews.com", CEASEFIRE, "ceasefire", when),
            ("reuters.com", CEASEFIRE + " after talks in Istanbul", "ceasefire", when, REUTERS_OWN),
        ],
    )
    ids = {outlet: a["id"] for outlet, a in _articles(cli).items()}
    result = cli("label", str(ids["reuters.com"]), "ceasefire", "--not-relevant", "--json")
    assert result.exit_code == 0, result.stderr
    stored = result.json()
    assert (stored["article"], stored["status"], stored["relevant"]) == (
        ids["reuters.com"],
        "ceasefire",
        False,
    )
    assert stored["origin"] == "cli" and stored["previous_status"] == "ceasefire"
    # One outlet is left: too little for a decisive status (two are needed).
    assert [s for s in _detect(cli.config, now) if s[3] is None] == []
    # A person changing their mind puts it back, and the pair breaks the news.
    assert cli("label", str(ids["reuters.com"]), "ceasefire").exit_code == 0
    raised = [s for s in _detect(cli.config, now + timedelta(minutes=1)) if s[3] is None]
    assert [s[:3] for s in raised] == [("decisive_status", "none", "ceasefire")]


def test_a_correction_survives_reclassify(setup) -> None:
    cli, db_url = setup
    when = datetime.now(UTC) - timedelta(hours=1)
    _store(
        db_url,
        [
            ("apnews.com", "Kyiv and Moscow sign a peace deal", "agreement", when),
            ("dw.com", "Zelensky and Putin delegations hold talks in Geneva", "agreement", when),
        ],
    )
    before = _articles(cli)
    assert cli("label", str(before["apnews.com"]["id"]), "stalled").exit_code == 0
    result = cli("reclassify", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["articles"] == 2 and result.json()["changed"] >= 1
    after = _articles(cli)
    assert after["dw.com"]["status"] != "agreement"  # re-read by the classifier
    corrected = after["apnews.com"]
    assert (corrected["status"], corrected["corrected"]) == ("stalled", True)
    assert corrected["evidence"][0].startswith("Corrected by a person")
    assert after["dw.com"]["corrected"] is False and after["dw.com"]["correction"] is None


def test_a_second_correction_replaces_the_first(setup) -> None:
    cli, db_url = setup
    _store(db_url, [("apnews.com", CEASEFIRE, "ongoing", datetime.now(UTC))])
    article = _articles(cli)["apnews.com"]["id"]
    assert cli("label", str(article), "stalled", "--not-relevant").exit_code == 0
    assert cli("label", str(article), "progress").exit_code == 0
    shown = _articles(cli)["apnews.com"]
    assert shown["status"] == "progress"
    assert shown["correction"]["relevant"] is True
    assert shown["correction"]["previous_status"] == "ongoing"  # the classifier's reading
    engine = open_database(db_url)
    with session_scope(engine) as session:
        rows = labelled(session)
    engine.dispose()
    assert [(r["status"], r["relevant"]) for r in rows] == [("progress", True)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1", "maybe"], "unknown status 'maybe' (one of: none, proposed"),
        (["424242", "stalled"], "no article with id 424242"),
        (["abc", "stalled"], "no article with id 'abc'"),
        (["99999999999999999999999", "stalled"], "no article with id"),
    ],
)
def test_bad_corrections_are_one_line_and_exit_1(setup, args, message) -> None:
    cli, db_url = setup
    _store(db_url, [("apnews.com", CEASEFIRE, "ongoing", datetime.now(UTC))])
    result = cli("label", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert _articles(cli)["apnews.com"]["corrected"] is False


def test_labelled_gives_corrections_as_training_rows(setup) -> None:
    cli, db_url = setup
    published = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)
    _store(
        db_url,
        [
            ("apnews.com", CEASEFIRE, "ongoing", published),
            (
                "dw.com",
                "Putin hosts a trade delegation",
                "ongoing",
                published,
                own_text("dw.com", "Putin hosts a trade delegation"),
            ),
            ("bbc.co.uk", "Talks go on in Istanbul", "ongoing", published),
        ],
    )
    ids = {outlet: a["id"] for outlet, a in _articles(cli).items()}
    assert cli("label", str(ids["apnews.com"]), "ceasefire").exit_code == 0
    assert cli("label", str(ids["dw.com"]), "none", "--not-relevant").exit_code == 0
    engine = open_database(db_url)
    with session_scope(engine) as session:
        rows = labelled(session)
    engine.dispose()
    assert [(r["outlet"], r["status"], r["relevant"]) for r in rows] == [
        ("apnews.com", "ceasefire", True),
        ("dw.com", "none", False),
    ]
    first = rows[0]
    assert set(first) >= {"title", "text", "lang", "status", "relevant", "date", "outlet"}
    assert first["title"] == CEASEFIRE and "Officials in Kyiv" in first["text"]
    assert first["date"] == "2025-03-14"
    assert first["provenance"]["via"] == "cli"


def test_an_older_database_gains_the_corrections_table(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    upgrade(engine, "0002")  # as the release before corrections left it
    assert "corrections" not in inspect(engine).get_table_names()
    engine.dispose()
    engine = open_database(any_db_url)
    assert current_revision(engine) == head_revision()
    assert "corrections" in inspect(engine).get_table_names()
    engine.dispose()


def test_the_crawler_alone_still_migrates_its_own_chain(tmp_path: Path) -> None:
    from crawler.store.migrate import open_database as crawler_database

    engine = crawler_database(f"sqlite:///{tmp_path / 'crawler.db'}")
    assert {"articles", "corrections"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_retention_keeps_the_stories_of_corrected_articles(setup) -> None:
    from crawler.store.tables import Article, Story
    from scheduler.daemon.retention import purge

    cli, db_url = setup
    long_ago = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)
    engine = open_database(db_url)
    with session_scope(engine) as session:  # two stories, as a crawl a year ago left them
        for n, outlet in enumerate(("apnews.com", "dw.com")):
            story = Story(topic="russia-ukraine-talks", first_seen=long_ago, last_seen=long_ago)
            session.add(story)
            session.flush()
            session.add(
                Article(
                    url=f"https://{outlet}/{n}",
                    original_url=f"https://{outlet}/{n}",
                    outlet=outlet,
                    topic="russia-ukraine-talks",
                    title=f"Talks in Istanbul, day {n}",
                    published=long_ago,
                    content_hash=f"h{n}",
                    story_id=story.id,
                    status="ongoing",
                )
            )
    ids = {outlet: a["id"] for outlet, a in _articles(cli).items()}
    assert cli("label", str(ids["apnews.com"]), "ceasefire").exit_code == 0
    try:
        assert purge(engine, datetime.now(UTC)) == 1  # before: a foreign-key error
    finally:
        engine.dispose()
    assert list(_articles(cli)) == ["apnews.com"]
