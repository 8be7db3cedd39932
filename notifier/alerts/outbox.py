"""The alert outbox: a small state machine, one function per transition.

    pending ──send ok──▶ sent
    pending ──retryable failure──▶ pending (attempts+1, next_attempt_at later)
    pending ──permanent failure, or retrying past dead_after──▶ dead
    dead ──`alerts retry`──▶ pending

A failed attempt that will be retried keeps the alert `pending` (it is still owed),
recorded as a `failed` DeliveryAttempt; every attempt is recorded. A worker claims
due rows with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: a conditional
UPDATE) and commits the claim before sending, then records the outcome only while it
still holds the lease. A crash between send and record leaves the lease to expire and
the alert to be sent again with the same idempotency key: a duplicate receivers can
drop, never a loss. The outbox knows channels only through `notifier.channels`.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.clock import as_utc, utcnow
from crawler.store.db import session_scope
from crawler.store.leases import claim_rows
from notifier.channels import Channel, DeliveryError, Message, make_channel
from notifier.settings import AlertSettings, ChannelSettings
from notifier.tables import Alert, DeliveryAttempt

BATCH = 50


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(
    session: Session, now: datetime, owner: str, lease: timedelta, limit: int = BATCH
) -> list[int]:
    """Lease due alerts to `owner`; the caller commits before sending."""
    due = and_(Alert.state == "pending", Alert.next_attempt_at <= now)
    return claim_rows(
        session,
        Alert,
        due,
        owner=owner,
        now=now,
        lease=lease,
        order_by=(Alert.next_attempt_at,),
        limit=limit,
    )


def _held(session: Session, alert_id: int, owner: str) -> Alert | None:
    alert = session.get(Alert, alert_id, populate_existing=True, with_for_update=True)
    if alert is None or alert.lease_owner != owner or alert.state != "pending":
        return None
    return alert


def _attempt(
    session: Session, alert: Alert, now: datetime, outcome: str, error: DeliveryError | None
) -> None:
    alert.attempts += 1
    alert.lease_owner, alert.lease_until = None, None
    session.add(alert)
    session.add(
        DeliveryAttempt(
            alert_id=alert.id,
            at=now,
            outcome=outcome,
            status_code=error.status_code if error else None,
            error=error.reason if error else None,
        )
    )


def mark_sent(session: Session, alert: Alert, now: datetime) -> None:
    alert.state, alert.sent_at, alert.last_error = "sent", now, None
    _attempt(session, alert, now, "sent", None)


def mark_dead(session: Session, alert: Alert, now: datetime, error: DeliveryError) -> None:
    alert.state, alert.last_error = "dead", error.reason
    _attempt(session, alert, now, "dead", error)


def mark_failed(
    session: Session,
    alert: Alert,
    now: datetime,
    error: DeliveryError,
    settings: AlertSettings,
    rng: random.Random | None = None,
) -> str:
    """A retryable failure: back off and stay pending, or die past `dead_after`."""
    if now - _clock_start(session, alert) >= settings.dead_after:
        error = DeliveryError(
            f"{error.reason}; gave up after {settings.dead_after}",
            retryable=False,
            status_code=error.status_code,
        )
        mark_dead(session, alert, now, error)
        return "dead"
    alert.last_error = error.reason
    alert.next_attempt_at = now + backoff(alert.attempts + 1, settings, error.retry_after, rng)
    _attempt(session, alert, now, "failed", error)
    return "failed"


class RequeueError(ValueError):
    """The alert cannot be re-queued; the message is for the person who asked."""


def requeue_alert(session: Session, alert_id: int, now: datetime | None = None) -> Alert:
    """An operator's re-queue (`alerts retry`, the dashboard's button) of a dead alert.

    Attempts and the idempotency key stay, so the history stays true and a receiver
    that did get an earlier try can drop the duplicate.
    """
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise RequeueError(f"no alert with id {alert_id} (it does not exist)")
    if alert.state == "sent":
        raise RequeueError(f"alert {alert_id} is sent: it was sent already")
    if alert.state != "dead":
        raise RequeueError(f"alert {alert_id} is {alert.state}: only a dead alert is re-queued")
    requeue(session, alert, as_utc(now) or utcnow())
    session.flush()
    return alert


def requeue(session: Session, alert: Alert, now: datetime) -> None:
    """A dead alert is owed again, with a fresh `dead_after` clock."""
    alert.state, alert.next_attempt_at = "pending", now
    alert.lease_owner, alert.lease_until = None, None
    session.add(alert)
    session.add(DeliveryAttempt(alert_id=alert.id, at=now, outcome="requeued"))


def _clock_start(session: Session, alert: Alert) -> datetime:
    query = (
        select(DeliveryAttempt.at)
        .where(DeliveryAttempt.alert_id == alert.id, DeliveryAttempt.outcome == "requeued")
        .order_by(DeliveryAttempt.at.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    last = session.exec(query).scalars().first()  # type: ignore[call-overload]
    return as_utc(last) or alert.created_at


def backoff(
    attempt: int,
    settings: AlertSettings,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> timedelta:
    """Exponential with equal jitter, capped; a server's Retry-After is a floor."""
    ceiling = min(
        settings.max_backoff.total_seconds(),
        settings.backoff_base.total_seconds() * 2 ** max(0, attempt - 1),
    )
    seconds = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
    if retry_after is not None:
        seconds = max(seconds, min(retry_after, settings.dead_after.total_seconds()))
    return timedelta(seconds=seconds)


async def deliver_pending(
    engine: Engine,
    channels: Sequence[ChannelSettings],
    alerts: AlertSettings,
    now: datetime | None = None,
    owner: str | None = None,
) -> DeliveryReport:
    """Send every due alert once; record each outcome. Safe to run from many workers."""
    owner = owner or default_owner()
    start = as_utc(now) or utcnow()
    report = DeliveryReport()
    with session_scope(engine) as session:
        ids = claim(session, start, owner, alerts.lease)
    by_name: dict[str, Channel] = {c.name: make_channel(c) for c in channels}
    dashboard = str(alerts.dashboard_url) if alerts.dashboard_url else None
    for alert_id in ids:
        with session_scope(engine) as session:
            alert = session.get(Alert, alert_id)
            if alert is None:
                continue
            message = Message(alert.idempotency_key, dict(alert.payload), dashboard)
            channel = by_name.get(alert.channel)
        outcome: DeliveryError | None = None
        if channel is None:
            outcome = DeliveryError(
                f"channel {alert.channel!r} is not configured any more", retryable=False
            )
        else:
            try:
                await channel.send(message)
            except DeliveryError as exc:
                outcome = exc
            except Exception as exc:  # a channel bug must not stop the other alerts
                outcome = DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
        with session_scope(engine) as session:
            held = _held(session, alert_id, owner)
            if held is None:
                continue
            at = as_utc(now) or utcnow()
            if outcome is None:
                mark_sent(session, held, at)
                report.sent += 1
                continue
            report.errors.append(f"{alert.channel}: {outcome.reason}")
            if outcome.retryable:
                result = mark_failed(session, held, at, outcome, alerts)
            else:
                mark_dead(session, held, at, outcome)
                result = "dead"
            setattr(report, result, getattr(report, result) + 1)
    return report


async def send_test(channels: Sequence[ChannelSettings]) -> list[dict[str, object]]:
    """`alerts test`: one test message to each channel, each result reported, none stored."""
    results: list[dict[str, object]] = []
    for settings in channels:
        message = Message(f"pw-test-{os.urandom(8).hex()}", {"kind": "test"})
        try:
            await make_channel(settings).send(message)
        except DeliveryError as exc:
            results.append({"channel": settings.name, "ok": False, "error": exc.reason})
        else:
            results.append({"channel": settings.name, "ok": True, "error": None})
    return results
