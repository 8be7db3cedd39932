"""A status that aged into quiet, as the dashboard, the API and the Atom feed show it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import feedparser
import httpx

from crawler.clock import utcnow
from crawler.settings import TopicSettings
from notifier.settings import AlertSettings
from notifier.shifts.record import detect_and_record
from notifier.web import create_app
from scheduler.database import open_database
from tests.alerts.conftest import ingest, own_text
from tests.web.support import LiveServer, dashboard_settings


def test_a_decayed_status_reads_quiet_everywhere(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'pw.db'}")
    when = (utcnow() - timedelta(days=2)).replace(microsecond=0)
    title = "Ukraine and Russia peace talks stall again"
    rows = [
        (o, f"{title} ({o})", "stalled", when, own_text(o, title))
        for o in ("a.com", "b.org", "c.net")
    ]
    ingest(engine, rows)
    topics, alerts = [TopicSettings()], AlertSettings()
    detect_and_record(engine, topics, alerts, [], when)
    later = when + timedelta(hours=25)
    detect_and_record(engine, topics, alerts, [], later)
    with LiveServer(create_app(engine, dashboard_settings())) as server:
        [status] = httpx.get(server.url + "/api/status").json()
        page = httpx.get(server.url + "/").text
        feed = feedparser.parse(httpx.get(server.url + "/shifts.atom").content)
    engine.dispose()
    assert (status["status"], status["quiet"]) == ("quiet", True)
    assert status["last_support_at"].startswith(when.isoformat()[:16])
    assert "quiet since" in page and "last support" in page
    assert "Russia–Ukraine talks: quiet since" in feed.feed.subtitle
    assert "last support" in feed.feed.subtitle
    decayed = [e for e in feed.entries if "decayed to quiet" in e.title]
    assert len(decayed) == 1 and "stalled → quiet" in decayed[0].title
