"""Redis killed in the middle of a crawl that fetches pages (issue 18, item 11).

The shared near-duplicate index in Redis goes away while pages still download. The
crawl must go on with the in-memory index rebuilt from the database, warn once in
one line, store every article, still fold a copy into its story, and print no
traceback, neither from ingest nor from downloads left running.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.crawl.testsite import Article, Page, TestSite, article_html
from tests.feeds import Entry, rss
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = 40
WORDS = (
    "harbour grain convoy energy monitors prisoners corridor drones sanctions envoy "
    "agenda delegation memorandum guarantees shelling frontline refinery reactor "
    "mediators communique airspace ports exchange bodies hostilities monitoring"
).split()


def _story(n: int) -> list[str]:
    """Three paragraphs about talks, worded differently for each n (no two are copies)."""
    rng = random.Random(n)
    return [
        f"Russian and Ukrainian negotiators met again for round {n} of peace talks, "
        + " ".join(rng.choice(WORDS) for _ in range(45))
        + "."
        for _ in range(3)
    ]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def site() -> Iterator[TestSite]:
    server = TestSite().start()
    yield server
    server.stop()


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_redis_killed_mid_crawl_falls_back_to_memory_without_tracebacks(
    tmp_path: Path, site: TestSite, redis_server: RedisServer
) -> None:
    db = tmp_path / "pw.db"
    articles = [
        Article(
            slug=f"talks-{n}",
            title=f"Russia and Ukraine hold round {n} of peace talks",
            published="2025-11-10T12:00:00+00:00",
            author="Desk",
            paragraphs=_story(n),
        )
        for n in range(PAGES)
    ]
    # The last page is a copy of the first, under another address and headline.
    copy = articles[0].paragraphs
    articles[-1].paragraphs = [copy[0], copy[1], copy[2].replace("negotiators", "envoys")]
    for article in articles:
        site.add(article.path, article_html(article))
        site.delays[article.path] = 0.05
    site.add(
        "/feed.xml",
        rss([Entry(a.title, site.url(a.path)) for a in articles]).decode(),
        "application/rss+xml",
    )

    killed = threading.Event()
    keys_before_kill: list[int] = []
    middle, last = articles[PAGES // 2], articles[-1]

    def kill_redis_once_articles_are_stored() -> Page:
        deadline = time.monotonic() + 20
        while _stored(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        keys_before_kill.append(redis_server.keys())
        redis_server.kill()
        killed.set()
        return Page(200, "text/html", article_html(middle))

    def after_the_kill() -> Page:
        killed.wait(30)
        return Page(200, "text/html", article_html(last))

    site.handlers[middle.path] = kill_redis_once_articles_are_stored
    site.handlers[last.path] = after_the_kill

    config = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{db}",
        sources=[{"name": "wire", "url": site.url("/feed.xml"), "fetch_articles": True}],
        sections={"dedup": {"redis_url": redis_server.url}},
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = ["crawl", "--json", "--no-alerts", "--config", str(config)]
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert killed.is_set() and keys_before_kill and keys_before_kill[0] > 0, done.stderr
    assert done.returncode == 0, done.stderr
    for noise in ("Traceback", "Exception ignored", "Task was destroyed"):
        assert noise not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == []
    assert report["new_articles"] == PAGES
    assert report["near_duplicates"] == 1
    (warning,) = [w["warning"] for w in report["warnings"]]
    assert "is unavailable" in warning and "in-memory index" in warning
    assert "\n" not in warning
    assert _stored(db) == PAGES
