"""Storage: migrations at start, upgrades in place, SQLite in WAL, PostgreSQL by URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text

from crawler.store.db import make_engine
from scheduler.database import current_revision, head_revision, open_database, upgrade
from tests.conftest import write_config
from tests.feeds import rss, talks_entry
from tests.servers import Response

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_is_in_wal_mode_and_migrated_at_start(db_url):
    engine = open_database(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"sources", "articles", "stories", "shifts", "alerts"} <= tables


def test_a_database_at_head_opens_without_loading_alembic(db_url, tmp_path):
    from crawler.store import migrate
    from scheduler.database import VERSIONS

    assert migrate.declared_head(VERSIONS) == head_revision()
    assert migrate.declared_head() == migrate.head_revision()  # the crawler's chain alone
    open_database(db_url).dispose()
    script = (
        "import sys; from scheduler.database import open_database; "
        f"open_database({db_url!r}).dispose(); print('alembic' in sys.modules)"
    )
    opened = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert opened.stdout.strip() == "False", opened.stderr


def test_an_older_database_upgrades_in_place(db_url, cli, config_path):
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stories (topic, first_seen, last_seen, articles, outlets) "
                "VALUES ('russia-ukraine-talks', '2025-05-20 10:00:00', "
                "'2025-05-20 10:00:00', 1, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO articles (url, original_url, outlet, topic, title, summary, text, "
                "text_source, published, published_estimated, fetched, content_hash, story_id, "
                "relevance, status, confidence, evidence) VALUES ('https://a.example.org/x', "
                "'https://a.example.org/x', 'example.org', 'russia-ukraine-talks', 'Old article',"
                " '', '', 'summary', '2025-05-20 10:00:00', 0, '2025-05-20 10:00:00', 'h', 1, 1.0,"
                " 'stalled', 0.8, '[]')"
            )
        )
    assert "shifts" not in inspect(engine).get_table_names()
    engine.dispose()
    write_config(config_path, database=db_url)
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert head_revision() in result.stderr
    [article] = cli("articles", "--json").json()
    assert article["title"] == "Old article" and article["status"] == "stalled"
    assert "shifts" in inspect(make_engine(db_url)).get_table_names()


def test_unreachable_database_is_one_line_and_nonzero(cli, config_path):
    write_config(config_path, database="postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = cli("crawl", "--json")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "cannot open database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_crawl_on_postgresql(pg_url, http_server, cli, config_path):
    http_server.route("/f.xml", Response(body=rss([talks_entry(n) for n in range(3)])))
    write_config(
        config_path, database=pg_url, sources=[{"name": "f", "url": http_server.url("/f.xml")}]
    )
    assert cli("crawl", "--json").json()["new_articles"] == 3
    assert cli("crawl", "--json").json()["new_articles"] == 0
    articles = cli("articles", "--json").json()
    assert len(articles) == 3
    assert articles[0]["published"].endswith("+00:00")
    stories = cli("stories", "--json").json()
    assert len(stories) >= 1 and all(s["outlets"] >= 1 for s in stories)


def test_stories_inserted_together_get_their_ids_in_the_rows_order(any_db_url):
    """A batch's new stories go in one statement; each article is then filed under the
    id its story got, so the ids must come back in the rows' order, on every backend,
    after deletions too."""
    from datetime import UTC, datetime

    from crawler.store.db import session_scope
    from crawler.store.stories import insert_stories, story_row
    from crawler.store.tables import Story

    engine = open_database(any_db_url)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        first = insert_stories(session, [story_row(f"a{k}", at, at) for k in range(5)])
        session.execute(text("DELETE FROM stories WHERE id = :id"), {"id": first[2]})
    with session_scope(engine) as session:
        rows = [story_row(f"t{k}", at, at) for k in range(300)]
        ids = insert_stories(session, rows)
        topics = dict(session.execute(text("SELECT id, topic FROM stories")).tuples().all())
        assert len(set(ids)) == 300 and not set(ids) & set(first)
        assert [topics[i] for i in ids] == [r["topic"] for r in rows]
        assert session.get(Story, ids[7]).topic == "t7"
    engine.dispose()
