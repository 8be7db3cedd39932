"""`peacewatch run`: poll on schedule, detect shifts, deliver alerts, until told to stop.

Everything runs in one asyncio loop (the one `crawler.runtime.loop.run` provides, which Scrapy
shares): the poll dispatcher, APScheduler's AsyncIOScheduler for alert jobs, the feed
poller, the outbox and the uvicorn server for `/healthz` and `/metrics`.

The database decides when a source is due (`next_poll_at`) and who polls it (a row
lease), so several workers on one PostgreSQL poll each source once per interval, and a
worker that dies hands its sources over when its leases expire. One dispatcher claims
the sources that fall due together in one transaction (`scheduler.daemon.dispatch`).
A source's articles, its feed state, its next poll time and the release of its lease
commit in one transaction: a kill at any point loses nothing and repeats nothing. A
poll that stored nothing (a 304) shares that transaction with the other such polls
that ended meanwhile; a kill before it commits leaves the lease to expire and the
source to be polled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from crawler.clock import utcnow
from crawler.crawl import Crawl, Stored, Validators
from crawler.fetch.http import HttpFetcher
from crawler.model import PollResult
from crawler.runtime.workers import warm_up
from crawler.settings import SourceSettings
from crawler.store.db import session_scope
from crawler.store.leases import holds, release, release_all, release_owner, renew
from crawler.store.sources import record_success, sync_sources
from crawler.store.tables import Source
from notifier.alerts.health import assess, health_alerts
from notifier.web import create_app
from scheduler import alerting
from scheduler.config import Settings
from scheduler.daemon.dispatch import Claimed, Dispatcher, StateWriter
from scheduler.daemon.jobs import AlertJobs
from scheduler.daemon.logs import log
from scheduler.daemon.metrics import Metrics
from scheduler.daemon.ops_web import WebServer, ops_router
from scheduler.daemon.polling import Connectivity, PollPolicy, next_poll, use_conditional
from scheduler.pipeline import build_ingestor

GRACE = 6.0  # seconds in-flight polls get to finish after SIGTERM before being cancelled
FIRST_SPREAD = 2.0  # seconds over which never-polled sources' first polls are spread
DB_RETRY = timedelta(seconds=1)
"""First wait before polling again a source whose poll the database failed; it doubles
with each further failure, up to `DB_RETRY_MAX`."""
DB_RETRY_MAX = timedelta(seconds=30)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(2).hex()}"


class Daemon:
    def __init__(self, settings: Settings, engine: Engine, *, owner: str | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.owner = owner or worker_name()
        self.sources: dict[str, SourceSettings] = {s.name: s for s in settings.sources if s.enabled}
        self.ingestor = build_ingestor(settings)
        self.ingestor.load_readers()  # now, not in the first round's polls
        self.metrics = Metrics(engine)
        self.connectivity = Connectivity()
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.alerts = AlertJobs(self)
        self.started_at = utcnow()
        self.stale_after = settings.daemon.stale_after
        self.watches_sources = bool(self.sources)
        self.stopping = False
        self._stop = asyncio.Event()
        self._forced = False
        self._due: dict[str, datetime] = {}
        self._reasons: dict[str, str] = {}
        self._polling: dict[str, int] = {}
        self.database_error: str | None = None
        """Why the database last failed a poll, until it next serves one (`/healthz`)."""
        self._stranded: dict[str, int] = {}
        """Sources whose poll the database failed: their lease to drop, failures so far."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._fetcher: HttpFetcher | None = None
        self._web: WebServer | None = None
        self._rng = random.Random()
        self._writer = StateWriter(engine, self._record_deferred)
        self._dispatcher = Dispatcher(
            engine,
            self.owner,
            settings.daemon.lease,
            self._due,
            self._polling,
            self._poll,
            {name: s.interval for name, s in self.sources.items()},
        )
        self._dispatcher.failed = self._claims_failed
        ops = [c.name for c in settings.channels if c.operations]
        self.operations_channels = ops

    # -- lifecycle ---------------------------------------------------------------------

    def scheduler_running(self) -> bool:
        return self.scheduler.running and not self.stopping

    def request_stop(self, signum: int | None = None) -> None:
        if self.stopping:
            self._forced = True
            for task in list(self._tasks):
                task.cancel()
            return
        name = signal.Signals(signum).name if signum else "request"
        log(logging.INFO, f"stopping ({name}): finishing in-flight polls", event="stop")
        self.stopping = True
        self._stop.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop, signum)
        self._prepare()
        if any(s.kind != "feed" or s.fetch_articles for s in self.sources.values()):
            await warm_up()  # pages need the workers: start them before the first poll
        web = create_app(
            self.engine,
            self.settings,
            routers=[ops_router(self, self.metrics)],
            open_paths=["/healthz", "/metrics"],
        )
        self._web = WebServer(web, self.settings.web.host, self.settings.web.port)
        await self._web.start()
        log(
            logging.INFO,
            f"peacewatch daemon {self.owner} started: {len(self.sources)} sources, "
            f"web on {self._web.url}",
            event="start",
            worker=self.owner,
            sources=len(self.sources),
            url=self._web.url,
        )
        async with HttpFetcher(self.settings.network) as fetcher:
            self._fetcher = fetcher
            self._schedule_jobs()
            self.scheduler.start()
            dispatch = asyncio.create_task(self._dispatcher.run(lambda: self.stopping))
            # Articles a stopped or killed daemon committed but never looked at: without
            # this pass their shift would wait for the next new article.
            self.alerts.request_detect()
            self.metrics.running.set(1)
            await self._stop.wait()
            self._dispatcher.wake()
            await self._shutdown()
            await dispatch
        await self._web.stop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        log(logging.INFO, "stopped", event="stopped", worker=self.owner)
        return 0

    def _prepare(self) -> None:
        with session_scope(self.engine) as session:
            sync_sources(session, list(self.sources.values()))
            if self.engine.dialect.name == "sqlite":
                # The lock file proves this is the only daemon: leases left by one that
                # was killed are ours to drop, rather than to wait out.
                release_all(session, Source)
            rows = session.exec(  # type: ignore[call-overload]
                select(Source).where(Source.name.in_(list(self.sources)))  # type: ignore[attr-defined]
            ).scalars()
            now = utcnow()
            for row in rows:
                # A source never polled is due now: its first poll is spread over a
                # couple of seconds at most, not over the interval's jitter (up to 90 s
                # for 15 min), so a new install hears from every source at once.
                spread = min(row.interval_seconds * self.settings.daemon.jitter, FIRST_SPREAD)
                first = now + timedelta(seconds=self._rng.uniform(0, spread))
                due = row.next_poll_at
                self._due[row.name] = max(due, now) if due is not None else first

    async def _shutdown(self) -> None:
        self.metrics.running.set(0)
        self.scheduler.pause()
        pending = [t for t in self._tasks if not t.done()]
        if pending and not self._forced:
            _done, late = await asyncio.wait(pending, timeout=GRACE)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=2)
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
        with session_scope(self.engine) as session:
            released = release_owner(session, Source, self.owner)
        if released:
            log(logging.INFO, f"released {released} leases", event="release", leases=released)

    # -- jobs --------------------------------------------------------------------------

    def _schedule_jobs(self) -> None:
        daemon = self.settings.daemon
        now = utcnow()
        for name in self.sources:
            # Due times were worked out before the workers and the web server started.
            self._due[name] = max(self._due[name], now)
        lease = daemon.lease.total_seconds()
        self.scheduler.add_job(
            self._renew_leases, IntervalTrigger(seconds=max(1.0, lease / 3)), id="leases"
        )
        self.alerts.schedule()

    def track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _poll(self, name: str, row: Claimed) -> None:
        """Poll one source this worker has just claimed (`row`: its state then)."""
        if self.stopping:
            self._polling.pop(name, None)
            return
        self.track()
        source = self.sources[name]
        assert self._fetcher is not None
        crawl = Crawl(
            self.engine,
            self.ingestor,
            self.settings.network,
            finish=self._finish,
            penalise=self._penalise,
            known={
                name: Stored(row.etag, row.last_modified, row.last_crawl_at, row.last_success_at)
            },
            defer=True,
        )
        try:
            outcome = await crawl.run_source(
                self._fetcher, source, conditional=use_conditional(row.state, utcnow())
            )
            deferred = crawl.deferred.pop(name, None)
            if deferred is not None:
                await self._writer.write(outcome, (deferred, utcnow()))
        except SQLAlchemyError as exc:  # storing the poll, then recording its failure, failed
            self._database_failed(name, exc)
            return
        finally:
            self._polling.pop(name, None)
        self._stranded.pop(name, None)
        self._dispatcher.stranded.discard(name)
        self.database_error = None
        self.connectivity.record(
            name, ok=outcome.ok, network_error=outcome.network_error, now=utcnow()
        )
        self.metrics.observe_poll(outcome, source.kind)
        self._log_poll(outcome)
        if outcome.article_ids:  # copies under new URLs add outlets too
            self.alerts.request_detect()

    def _claims_failed(self, names: list[str], exc: SQLAlchemyError) -> None:
        for name in names:
            self._database_failed(name, exc)

    def _record_deferred(
        self,
        session: Session,
        row: Source,
        outcome: PollResult,
        deferred: tuple[Validators, datetime],
    ) -> None:
        """A poll that stored nothing: its success and next poll, decided as of its end,
        in a transaction shared with others."""
        (etag, last_modified, final_url), ended = deferred
        record_success(
            row,
            ended,
            new_articles=outcome.new_articles,
            etag=etag,
            last_modified=last_modified,
            final_url=final_url,
        )
        self._finish(session, row, outcome, now=ended)

    def _database_failed(self, name: str, exc: SQLAlchemyError) -> None:
        """The database failed this source's poll: try again soon on a fresh connection.

        The lease cannot be trusted to have been released, so the next try drops this
        worker's own lease before claiming; meanwhile /healthz reports the database.
        """
        failures = self._stranded.get(name, 0) + 1
        self._stranded[name] = failures
        self._dispatcher.stranded.add(name)
        message = str(getattr(exc, "orig", None) or exc).strip()
        first = message.splitlines()[0] if message else type(exc).__name__
        self.database_error = f"{type(exc).__name__}: {first}"
        wait = min(DB_RETRY * 2 ** (failures - 1), DB_RETRY_MAX)
        self._due[name] = utcnow() + wait
        self._reasons[name] = "database error"
        self._dispatcher.wake()
        log(
            logging.WARNING,
            f"poll {name}: database error: {self.database_error}; "
            f"retrying in {wait.total_seconds():g} s",
            event="database_error",
            source=name,
            error=self.database_error,
        )

    def _penalise(self, outcome: PollResult) -> bool:
        return not self.connectivity.offline(outcome.source, network_error=outcome.network_error)

    def policy(self, source: SourceSettings) -> PollPolicy:
        d = self.settings.daemon
        return PollPolicy(
            interval=source.interval,
            min_interval=d.min_interval,
            max_interval=d.max_interval,
            max_backoff=d.max_backoff,
            jitter=d.jitter,
            adaptive=d.adaptive,
            full_fetch_every=d.full_fetch_every,
        )

    def _finish(self, session: Session, row: Source, outcome: PollResult, now: datetime) -> None:
        """In the poll's transaction: next poll time, health alerts, lease released."""
        if not holds(row, self.owner, now):
            log(
                logging.WARNING,
                f"lease on {row.name} expired during the poll (poll took {outcome.seconds:.1f} s)",
                event="lease_lost",
                source=row.name,
            )
        penalised = outcome.ok or self._penalise(outcome)
        decided = next_poll(
            outcome,
            self.policy(self.sources[row.name]),
            row.state,
            row.consecutive_failures,
            now,
            penalised=penalised,
            rng=self._rng,
        )
        row.next_poll_at, row.next_poll_reason = decided.at, decided.reason
        row.state = decided.state
        release(row)
        event = assess(
            session,
            row,
            now,
            failing_after=self.settings.daemon.failing_after,
            silent_after=self.settings.daemon.silent_after,
        )
        session.add(row)
        self._due[row.name] = decided.at
        self._reasons[row.name] = decided.reason
        if event is not None:
            alerts = health_alerts(event, self.operations_channels, now)
            session.add_all(alerts)
            self.metrics.health_alerts.labels(event.condition).inc()
            log(
                logging.WARNING if event.condition != "recovered" else logging.INFO,
                f"health alert: {event.subject} -> "
                f"{', '.join(self.operations_channels) or 'no operations channel'}",
                event="health_alert",
                source=row.name,
                condition=event.condition,
                channels=self.operations_channels,
            )
            if alerts:
                self.alerts.request_delivery()

    def _log_poll(self, outcome: PollResult) -> None:
        due = self._due.get(outcome.source)
        reason = self._reasons.get(outcome.source)
        fields: dict[str, Any] = {
            "event": "poll",
            "source": outcome.source,
            "outcome": "error"
            if not outcome.ok
            else ("not_modified" if outcome.not_modified else "ok"),
            "entries": outcome.entries,
            "new": outcome.new_articles,
            "duplicates": outcome.duplicates,
            "seconds": round(outcome.seconds, 3),
            "next_poll": due.isoformat(timespec="seconds") if due else None,
            "next_poll_reason": reason,
            "worker": self.owner,
        }
        if outcome.ok:
            text = (
                f"poll {outcome.source} {fields['outcome']} entries={outcome.entries} "
                f"new={outcome.new_articles} dup={outcome.duplicates} "
                f"{outcome.seconds:.2f}s; next {fields['next_poll']} ({reason})"
            )
            log(logging.INFO, text, **fields)
        else:
            fields["error"] = outcome.error
            text = (
                f"poll {outcome.source} failed: {outcome.error}; "
                f"next {fields['next_poll']} ({reason})"
            )
            log(logging.WARNING, text, **fields)

    async def _renew_leases(self) -> None:
        if not self._polling:
            return
        until = utcnow() + self.settings.daemon.lease
        with session_scope(self.engine) as session:
            renew(session, Source, list(self._polling.values()), self.owner, until)

    def add_once(self, func: Any, when: datetime, job_id: str) -> None:
        """A one-off job, unless one with this id is already waiting (keep the earlier)."""
        if self.stopping:
            return
        with contextlib.suppress(ConflictingIdError):
            self.scheduler.add_job(func, DateTrigger(run_date=when), id=job_id)


__all__ = ["Daemon", "alerting"]
