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

Channels are sent to side by side, one lane each (`deliver_pending`), and every send
ends within its channel's `timeout`: a receiver that trickles its answer delays only
its own alerts, by one timeout a pass.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.clock import as_utc, utcnow
from crawler.store.db import session_scope
from crawler.store.leases import claim_rows
from notifier.channels import Channel, DeliveryError, DeliveryTimeout, Message, make_channel
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
    session: Session,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int = BATCH,
    *,
    channel: str | None = None,
    skip_channels: Collection[str] = (),
    skip_ids: Collection[int] = (),
) -> list[int]:
    """Lease due alerts to `owner`; the caller commits before sending."""
    due = and_(Alert.state == "pending", Alert.next_attempt_at <= now)
    if channel is not None:
        due = and_(due, Alert.channel == channel)
    if skip_channels:
        due = and_(due, Alert.channel.not_in(skip_channels))  # type: ignore[attr-defined]
    if skip_ids:
        due = and_(due, Alert.id.not_in(skip_ids))  # type: ignore[union-attr]
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


def release(session: Session, ids: Collection[int], owner: str) -> None:
    """Give back alerts claimed and not tried: due again, nothing recorded."""
    session.exec(  # type: ignore[call-overload]
        update(Alert)
        .where(Alert.id.in_(ids), Alert.lease_owner == owner)  # type: ignore[union-attr]
        .values(lease_owner=None, lease_until=None)
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
    """Send every due alert once; record each outcome. Safe to run from many workers.

    Each channel is a lane of its own, sent to side by side with the others: its alerts
    go one at a time, oldest due first, and its lane drains what falls due meanwhile. A
    channel already sending in this process (an earlier pass still at it) is left to
    that lane. A send that times out ends its lane for this pass and gives the rest
    of its alerts back untried, so a slow receiver costs one `timeout` a pass, and
    never holds up another channel.
    """
    run = _Pass(engine, channels, alerts, now, owner or default_owner())
    database = engine.url.render_as_string(hide_password=True)
    busy = {name for (db, who, name) in _SENDING if (db, who) == (database, run.owner)}
    with session_scope(engine) as session:
        ids = claim(session, run.at(), run.owner, alerts.lease, skip_channels=busy)
        lanes: dict[str, list[int]] = {}
        for alert_id in ids:
            alert = session.get(Alert, alert_id)
            if alert is not None:
                lanes.setdefault(alert.channel, []).append(alert_id)
    # No await since the claim: no other pass of this process can take these lanes too.
    _SENDING.update((database, run.owner, name) for name in lanes)
    await asyncio.gather(*(run.lane((database, run.owner, n), ids) for n, ids in lanes.items()))
    return run.report


_SENDING: set[tuple[str, str, str]] = set()
"""(database, owner, channel) of every lane sending in this process: one per channel."""


class _Pass:
    """One delivery pass: its lanes, and the report they fill in."""

    def __init__(
        self,
        engine: Engine,
        channels: Sequence[ChannelSettings],
        alerts: AlertSettings,
        now: datetime | None,
        owner: str,
    ) -> None:
        self.engine, self.alerts, self.now, self.owner = engine, alerts, as_utc(now), owner
        self.channels: dict[str, Channel] = {c.name: make_channel(c) for c in channels}
        self.dashboard = str(alerts.dashboard_url) if alerts.dashboard_url else None
        self.report = DeliveryReport()

    def at(self) -> datetime:
        return self.now or utcnow()

    async def lane(self, key: tuple[str, str, str], ids: list[int]) -> None:
        """One channel's alerts in order, then whatever fell due for it meanwhile."""
        name = key[2]
        queue, tried = list(ids), set(ids)
        try:
            while queue:
                outcome = await self.send(queue.pop(0))
                if isinstance(outcome, DeliveryTimeout):
                    break  # a slow receiver: the rest waits for the next pass
                if not queue:
                    queue = self.more(name, tried)
                    tried.update(queue)
        finally:
            _SENDING.discard(key)
            if queue:
                with session_scope(self.engine) as session:
                    release(session, queue, self.owner)

    def more(self, channel: str, tried: set[int]) -> list[int]:
        """What fell due for `channel` while its lane was sending."""
        with session_scope(self.engine) as session:
            lease = self.alerts.lease
            return claim(session, self.at(), self.owner, lease, channel=channel, skip_ids=tried)

    async def send(self, alert_id: int) -> DeliveryError | None:
        """Send one alert and record the outcome, if this worker still holds it."""
        with session_scope(self.engine) as session:
            alert = session.get(Alert, alert_id)
            if alert is None:
                return None
            name = alert.channel
            message = Message(alert.idempotency_key, dict(alert.payload), self.dashboard)
        channel = self.channels.get(name)
        outcome: DeliveryError | None = None
        if channel is None:
            outcome = DeliveryError(f"channel {name!r} is not configured any more", retryable=False)
        else:
            try:
                await channel.send(message)
            except DeliveryError as exc:
                outcome = exc
            except Exception as exc:  # a channel bug must not stop the other alerts
                outcome = DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
        report = self.report
        with session_scope(self.engine) as session:
            held = _held(session, alert_id, self.owner)
            if held is None:
                return outcome
            at = self.at()
            if outcome is None:
                mark_sent(session, held, at)
                report.sent += 1
                return None
            report.errors.append(f"{name}: {outcome.reason}")
            if outcome.retryable:
                result = mark_failed(session, held, at, outcome, self.alerts)
            else:
                mark_dead(session, held, at, outcome)
                result = "dead"
            setattr(report, result, getattr(report, result) + 1)
        return outcome


async def send_test(channels: Sequence[ChannelSettings]) -> list[dict[str, object]]:
    """`alerts test`: one test message to each channel, side by side, each result
    reported in the channels' order, none stored."""

    async def one(settings: ChannelSettings) -> dict[str, object]:
        message = Message(f"pw-test-{os.urandom(8).hex()}", {"kind": "test"})
        try:
            await make_channel(settings).send(message)
        except DeliveryError as exc:
            return {"channel": settings.name, "ok": False, "error": exc.reason}
        return {"channel": settings.name, "ok": True, "error": None}

    return list(await asyncio.gather(*(one(settings) for settings in channels)))
