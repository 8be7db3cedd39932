"""Source health as alerts: a feed gone quiet or failing, and the note when it recovers.

These go to the channels marked `operations = true`, apart from coverage alerts. Each
is an outbox row (`Alert`, kind "health", no shift) whose payload carries the finished
message (`subject`, `text`), so the outbox sends it like any other alert and a crash
cannot lose it. The decision runs inside the transaction that records the poll, under
the source's lease, so two workers can never raise the same alert twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from crawler.clock import as_utc
from crawler.store.tables import Article, Source
from notifier.tables import Alert

HISTORY_DAYS = 14
DAILY_SHARE = 0.5  # "usually publishes daily": new articles on at least half the days


@dataclass(frozen=True)
class HealthEvent:
    source: str
    condition: str  # failing | silent | recovered
    subject: str
    text: str


def usually_daily(session: Session, source: str, until: datetime) -> bool:
    """Did this source bring new articles on most days of the fortnight before `until`?"""
    start = until - timedelta(days=HISTORY_DAYS)
    rows = session.exec(  # type: ignore[call-overload]
        select(Article.fetched)
        .where(Article.source == source, Article.fetched >= start, Article.fetched < until)
        .limit(5000)
    ).scalars()
    days = {as_utc(at).date() for at in rows if at is not None}  # type: ignore[union-attr]
    return len(days) >= HISTORY_DAYS * DAILY_SHARE


def _state(row: Source) -> dict[str, Any]:
    return dict(row.state.get("health") or {})


def assess(
    session: Session,
    row: Source,
    now: datetime,
    *,
    failing_after: int,
    silent_after: timedelta,
) -> HealthEvent | None:
    """The health event this poll brings, if any; updates `row.state["health"]`."""
    health = _state(row)
    current = health.get("condition")
    event: HealthEvent | None = None
    if row.consecutive_failures >= failing_after:
        if current != "failing":
            health = {"condition": "failing", "since": now.isoformat()}
            event = HealthEvent(
                row.name,
                "failing",
                f"[peacewatch] source {row.name} is failing",
                f"Source {row.name} ({row.url}) has failed {row.consecutive_failures} polls "
                f"in a row. Last error: {row.last_error or 'unknown'}.",
            )
    elif current == "failing" and row.consecutive_failures == 0:
        event = _recovered(row, "polls successfully again")
        health = {}
    elif current == "silent":
        last_new = as_utc(row.last_new_at)
        since = datetime.fromisoformat(health["since"])
        if last_new is not None and last_new > since:
            event = _recovered(row, "publishes new articles again")
            health = {}
    elif row.consecutive_failures == 0 and row.last_success_at is not None:
        last_new = as_utc(row.last_new_at)
        quiet_since = now - silent_after
        if (
            last_new is not None
            and last_new < quiet_since
            and health.get("not_daily_at") != last_new.isoformat()
        ):
            if not usually_daily(session, row.name, last_new + timedelta(seconds=1)):
                health["not_daily_at"] = last_new.isoformat()
                return _keep(row, health)
            health = {"condition": "silent", "since": now.isoformat()}
            event = HealthEvent(
                row.name,
                "silent",
                f"[peacewatch] source {row.name} has gone quiet",
                f"Source {row.name} ({row.url}) usually brings new articles daily but has "
                f"brought none since {last_new.isoformat(timespec='minutes')}. "
                "It still answers; its feed may have moved or changed.",
            )
    _keep(row, health)
    return event


def _keep(row: Source, health: dict[str, Any]) -> None:
    if health != _state(row):
        row.state = {**row.state, "health": health}


def _recovered(row: Source, how: str) -> HealthEvent:
    return HealthEvent(
        row.name,
        "recovered",
        f"[peacewatch] source {row.name} recovered",
        f"Source {row.name} ({row.url}) {how}.",
    )


def health_alerts(event: HealthEvent, channels: Sequence[str], now: datetime) -> list[Alert]:
    """One outbox row per operations channel; the payload is the finished message."""
    alerts = []
    for channel in channels:
        key = hashlib.sha256(
            f"{event.source}\0{event.condition}\0{now.isoformat()}\0{channel}".encode()
        ).hexdigest()[:32]
        alerts.append(
            Alert(
                shift_id=None,
                channel=channel,
                kind="health",
                state="pending",
                created_at=now,
                next_attempt_at=now,
                idempotency_key=f"health-{key}",
                payload={
                    "kind": "health",
                    "subject": event.subject,
                    "text": event.text,
                    "source": event.source,
                    "condition": event.condition,
                    "at": now.isoformat(),
                },
            )
        )
    return alerts
