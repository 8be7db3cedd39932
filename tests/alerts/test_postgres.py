"""The outbox on PostgreSQL: rows claimed with SKIP LOCKED, each alert sent once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from crawler.settings import TopicSettings
from crawler.store.db import session_scope
from notifier.alerts.outbox import deliver_pending
from notifier.shifts.record import detect_and_record
from notifier.tables import Alert
from scheduler.database import open_database
from tests.alerts.conftest import T0, ceasefire_articles, ingest
from tests.alerts.test_delivery import FAST, channels


async def test_concurrent_delivery_passes_send_each_alert_once(pg_url, receiver) -> None:
    engine = open_database(pg_url)
    try:
        ingest(engine, ceasefire_articles())
        chans = channels(receiver.url)
        raised = [
            s
            for s in detect_and_record(engine, [TopicSettings()], FAST, chans, now=T0)
            if s.suppressed is None
        ]
        assert [(s.kind, s.to_status) for s in raised] == [("decisive_status", "ceasefire")]
        receiver.delay = 0.3
        reports = await asyncio.gather(
            *(deliver_pending(engine, chans, FAST, owner=f"worker-{n}") for n in range(3))
        )
        assert sum(r.sent for r in reports) == 1
        assert len(receiver.requests) == 1
        with session_scope(engine) as session:
            states = [a.state for a in session.exec(select(Alert)).scalars()]
        assert states == ["sent"]
    finally:
        engine.dispose()
