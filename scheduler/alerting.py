"""After a batch of new articles: detect shifts, then deliver what the outbox holds.

The daemon calls the two steps separately (with `alerts.group_wait` between them);
a one-off `crawl` calls `alert_after_batch`, treating its whole batch as one group
that is delivered before the command exits.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from crawler.store.db import session_scope
from notifier.alerts.outbox import deliver_pending
from notifier.reports import shifts_with_articles
from notifier.shifts.groups import OutletGroups
from notifier.shifts.record import detect_and_record
from scheduler.config import Settings


def outlet_groups(settings: Settings) -> OutletGroups:
    """The configured sources' groups and their aggregators' outlet groups."""
    return OutletGroups(
        sources={s.name: s.group for s in settings.sources if s.group},
        outlets={s.name: s.outlet_groups for s in settings.sources if s.outlet_groups},
    )


async def detect(
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    *,
    group_wait: timedelta | None = None,
    alert: bool = True,
) -> list[dict[str, Any]]:
    """Record shifts (and their outbox rows); every decision, as contract dicts.

    With `alert=False` the decisions are recorded but no channel is queued.
    """
    channels = settings.channels if alert else []
    shifts = await asyncio.to_thread(
        detect_and_record,
        engine,
        settings.topics,
        settings.alerts,
        channels,
        now,
        group_wait=group_wait,
        capped=[s.name for s in settings.sources if not s.aggregator],
        groups=outlet_groups(settings),
    )
    with session_scope(engine) as session:
        return shifts_with_articles(session, shifts)


async def deliver(engine: Engine, settings: Settings, owner: str | None = None) -> int:
    """Send what is due in the outbox; the number of alerts sent."""
    report = await deliver_pending(engine, settings.channels, settings.alerts, owner=owner)
    return report.sent


async def alert_after_batch(
    engine: Engine, settings: Settings, *, alert: bool = True
) -> tuple[list[dict[str, Any]], int]:
    shifts = await detect(engine, settings, alert=alert)
    sent = await deliver(engine, settings) if alert else 0
    return shifts, sent
