"""After a batch of new articles: detect shifts, then deliver what the outbox holds.

The daemon calls the two steps separately (with `alerts.group_wait` between them);
a one-off `crawl` calls `alert_after_batch`, treating its whole batch as one group.
Until the notifier's shift detection lands these report nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from scheduler.config import Settings


async def detect(
    engine: Engine, settings: Settings, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Record shifts (and their outbox rows); the shifts raised, as contract dicts."""
    return []


async def deliver(engine: Engine, settings: Settings, owner: str | None = None) -> int:
    """Send what is due in the outbox; the number of alerts sent."""
    return 0


async def alert_after_batch(engine: Engine, settings: Settings) -> tuple[list[dict[str, Any]], int]:
    shifts = await detect(engine, settings)
    return shifts, await deliver(engine, settings)
