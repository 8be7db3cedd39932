"""/healthz says 503 with the reason when the scheduler stops or polls go stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from crawler.clock import utcnow
from crawler.store.db import session_scope
from crawler.store.tables import Source
from notifier.web import create_app
from scheduler.config import Settings
from scheduler.daemon.metrics import Metrics
from scheduler.daemon.ops_web import ops_router
from scheduler.database import open_database


@dataclass
class FakeDaemon:
    engine: object
    started_at: datetime
    stale_after: timedelta = timedelta(hours=2)
    watches_sources: bool = True
    running: bool = True

    def scheduler_running(self) -> bool:
        return self.running


def test_healthz_reports_each_reason(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'o.db'}")
    daemon = FakeDaemon(engine, started_at=utcnow())
    client = TestClient(
        create_app(
            engine,
            Settings(),
            routers=[ops_router(daemon, Metrics(engine))],
            open_paths=["/healthz", "/metrics"],
        )
    )
    assert client.get("/healthz").status_code == 200  # just started: no poll yet is fine

    daemon.started_at = utcnow() - timedelta(hours=3)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "no successful poll ever" in response.json()["reasons"][0]

    with session_scope(engine) as session:
        session.add(Source(name="s", url="http://x/", topic="t", last_success_at=utcnow()))
    assert client.get("/healthz").status_code == 200

    daemon.running = False
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["scheduler is not running"]
    assert "peacewatch_alerts" in client.get("/metrics").text
