"""The daemon's jobs besides polling: shift detection, alert delivery, retention.

Detection runs after every batch that brought new articles, on one worker at a time
(a PostgreSQL advisory lock); a batch arriving while detection runs is picked up by a
second pass, never dropped. Delivery follows `alerts.group_wait` after a detection
that raised shifts, so a burst goes out as one alert, and also runs every
`daemon.deliver_every` for retries. The calls into the notifier are
`scheduler.alerting.detect` and `scheduler.alerting.deliver`, nothing else.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from crawler.clock import utcnow
from crawler.store.db import session_scope
from crawler.store.leases import exclusive
from crawler.store.tables import Article
from scheduler import alerting
from scheduler.daemon.logs import log
from scheduler.daemon.retention import purge
from scheduler.pipeline import build_ingestor

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from sqlalchemy.engine import Engine

    from crawler.store.ingest import Ingestor
    from scheduler.config import Settings
    from scheduler.daemon.metrics import Metrics

LOCK_RETRY = timedelta(seconds=1)
DETECT_RETRY = timedelta(seconds=5)
RETENTION_EVERY = timedelta(hours=1)


class JobHost(Protocol):
    """What the jobs need of the process that runs them (the daemon passes itself)."""

    settings: Settings
    engine: Engine
    owner: str
    metrics: Metrics
    scheduler: AsyncIOScheduler
    ingestor: Ingestor
    stopping: bool

    def track(self) -> None:
        """Count the running task, so a stop waits for it."""

    def add_once(self, func: Any, when: datetime, job_id: str) -> None:
        """Run `func` once at `when`, unless stopping."""


class AlertJobs:
    def __init__(self, daemon: JobHost) -> None:
        self.daemon = daemon
        self._wanted = False
        self._detecting = False
        self._queued = False  # a detection job is scheduled and has not started yet
        self._passes = 0

    def schedule(self) -> None:
        d = self.daemon
        d.scheduler.add_job(
            self.deliver,
            IntervalTrigger(seconds=d.settings.daemon.deliver_every.total_seconds()),
            id="deliver",
            next_run_time=utcnow(),
        )
        if d.settings.daemon.retention is not None:
            d.scheduler.add_job(
                self.retention,
                IntervalTrigger(seconds=RETENTION_EVERY.total_seconds()),
                id="retention",
                next_run_time=utcnow() + timedelta(seconds=30),
            )

    # -- detection -----------------------------------------------------------------

    def request_detect(self) -> None:
        """Detect soon. A pass already queued or running picks the request up (it loops
        while `_wanted`), so at most one pass is queued or running at a time."""
        self._wanted = True
        if not (self._detecting or self._queued):
            self._queue(utcnow())

    def _queue(self, when: datetime) -> None:
        # Each pass is its own job id: APScheduler counts running instances per id until
        # the finished run's callback fires, and would skip (and so lose) a new pass
        # added under the old id in that moment.
        self._queued = True
        self._passes += 1
        self.daemon.add_once(self.detect, when, f"detect-{self._passes}")

    async def detect(self) -> None:
        d = self.daemon
        self._queued = False
        if d.stopping:
            return
        d.track()
        self._detecting = True
        try:
            while self._wanted and not d.stopping:
                self._wanted = False
                with exclusive(d.engine, "detect") as mine:
                    if not mine:  # another worker is detecting: look again shortly
                        self._wanted = True
                        self._queue(utcnow() + LOCK_RETRY)
                        return
                    shifts = await alerting.detect(
                        d.engine, d.settings, utcnow(), group_wait=d.settings.alerts.group_wait
                    )
                for shift in shifts:
                    if shift.get("suppressed") is None:
                        d.metrics.shifts.inc()
                    log(logging.INFO, f"shift: {_describe(shift)}", event="shift", shift=shift)
                if any(shift.get("suppressed") is None for shift in shifts):
                    self.request_delivery(d.settings.alerts.group_wait)
        except DBAPIError as exc:
            # The database went away mid-pass (a restart, a full disk): one line, and the
            # pass is tried again shortly rather than lost or logged as a traceback.
            reason = str(exc.orig or exc).strip().splitlines()[0]
            log(logging.WARNING, f"detection failed, retrying: {reason}", event="detect_failed")
            self._wanted = True
            self._queue(utcnow() + DETECT_RETRY)
        finally:
            self._detecting = False

    # -- delivery ------------------------------------------------------------------

    def request_delivery(self, after: timedelta = timedelta(0)) -> None:
        """Deliver once `after` has passed. Passes fall on whole seconds, rounded up, so
        a pass already waiting for the same second is never earlier than the alerts
        this request is for."""
        if after <= timedelta(0):  # its own job id, as detection passes (see `_queue`)
            self._passes += 1
            self.daemon.add_once(self.deliver, utcnow(), f"deliver-now-{self._passes}")
            return
        second = math.ceil((utcnow() + after).timestamp())
        when = datetime.fromtimestamp(second, UTC)
        self.daemon.add_once(self.deliver, when, f"deliver-at-{second}")

    async def deliver(self) -> None:
        d = self.daemon
        if d.stopping:
            return
        d.track()
        # No lock around a pass: passes may overlap, and the outbox gives each channel
        # one lane at a time, so a receiver stuck in a slow send never holds up another
        # channel's alerts (nor the next pass).
        sent = await alerting.deliver(d.engine, d.settings, d.owner)
        if sent:
            d.metrics.alerts_sent.inc(sent)
            log(logging.INFO, f"delivered {sent} alerts", event="deliver", sent=sent)

    # -- retention -----------------------------------------------------------------

    async def retention(self) -> None:
        d = self.daemon
        keep = d.settings.daemon.retention
        if keep is None or d.stopping:
            return
        with exclusive(d.engine, "retention") as mine:
            deleted = purge(d.engine, utcnow() - keep) if mine else 0
        if deleted:
            log(logging.INFO, f"retention: deleted {deleted} articles", event="retention")
        if self._index_outdated():
            # Some worker deleted stories this one still has in its near-duplicate index.
            d.ingestor = build_ingestor(d.settings)

    def _index_outdated(self) -> bool:
        d = self.daemon
        upto = d.ingestor._loaded_upto
        with session_scope(d.engine) as session:
            stored = session.exec(  # type: ignore[call-overload]
                select(func.count(Article.id)).where(  # type: ignore[arg-type]
                    Article.id <= upto,  # type: ignore[operator]
                    Article.minhash.is_not(None),  # type: ignore[union-attr]
                    Article.story_id.is_not(None),  # type: ignore[union-attr]
                )
            ).scalar_one()
        return stored < len(d.ingestor.dedup)


def _describe(shift: dict[str, Any]) -> str:
    """One line; a decision recorded but not alerted says so, with its reason."""
    support = shift.get("support") or {}
    suppressed = f", suppressed: {shift['suppressed']}" if shift.get("suppressed") else ""
    return (
        f"{shift.get('topic')}: {shift.get('kind')} {shift.get('from')} -> {shift.get('to')} "
        f"({support.get('outlets', '?')} outlets{suppressed})"
    )
