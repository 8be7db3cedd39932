"""A source that usually publishes daily and goes quiet raises a health alert, once,
and a recovery note when it publishes again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.store.db import session_scope
from crawler.store.tables import Article, Source
from notifier.alerts.health import assess, health_alerts
from scheduler.database import open_database

NOW = datetime(2025, 5, 20, 12, tzinfo=UTC)


def _article(i: int, at: datetime, source: str = "daily") -> Article:
    return Article(
        url=f"https://x.example.org/{source}/{i}",
        original_url=f"https://x.example.org/{source}/{i}",
        outlet="example.org",
        source=source,
        topic="t",
        content_hash=f"{source}{i}",
        fetched=at,
        published=at,
    )


def test_daily_source_gone_quiet_alerts_once_then_recovers(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'h.db'}")
    last = NOW - timedelta(days=3)
    with session_scope(engine) as session:
        for day in range(14):
            session.add(_article(day, last - timedelta(days=day)))
        session.add(_article(99, last - timedelta(days=1), source="weekly"))
        for name in ("daily", "weekly"):
            session.add(
                Source(
                    name=name,
                    url=f"http://{name}/",
                    topic="t",
                    last_success_at=NOW,
                    last_new_at=last,
                )
            )
    with session_scope(engine) as session:
        daily = session.get(Source, 1)
        weekly = session.get(Source, 2)
        event = assess(session, daily, NOW, failing_after=5, silent_after=timedelta(days=2))
        assert event is not None and event.condition == "silent"
        assert "usually brings new articles daily" in event.text
        assert assess(session, weekly, NOW, failing_after=5, silent_after=timedelta(days=2)) is None
        again = assess(
            session,
            daily,
            NOW + timedelta(hours=1),
            failing_after=5,
            silent_after=timedelta(days=2),
        )
        assert again is None  # said once
        daily.last_new_at = NOW + timedelta(hours=2)
        back = assess(
            session,
            daily,
            NOW + timedelta(hours=2),
            failing_after=5,
            silent_after=timedelta(days=2),
        )
        assert back is not None and back.condition == "recovered"
        alerts = health_alerts(back, ["ops", "pager"], NOW)
        assert [(a.channel, a.kind, a.shift_id) for a in alerts] == [
            ("ops", "health", None),
            ("pager", "health", None),
        ]
        assert alerts[0].payload["subject"] == "[peacewatch] source daily recovered"
        assert len({a.idempotency_key for a in alerts}) == 2
