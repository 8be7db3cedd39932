"""Which sources to poll now, claimed many at a time, and their 304s written many at a time.

A poll that finds nothing new costs about half a millisecond of HTTP; what used to cost
ten times that was the bookkeeping around it: a scheduler job, a transaction to claim
the source, one to read its ETag and one to record the 304. Here one loop wakes when
the earliest source falls due, claims every due source in one transaction (row leases,
`SKIP LOCKED` on PostgreSQL, so workers still never poll a source twice), and starts
their polls with the claimed rows' ETags. Polls that stored nothing (a 304, an empty
feed) hand their new state (next poll time, validators, health, the lease's release)
to a writer that commits the states of every such poll that finished meanwhile in one
transaction; a poll that stored articles still commits its articles and its state
together, in its own transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from crawler.clock import utcnow
from crawler.model import PollResult
from crawler.store.db import session_scope
from crawler.store.leases import claim_sources
from crawler.store.sources import sources_named
from crawler.store.tables import Source

CLAIM_LIMIT = 500
"""Most sources claimed in one transaction."""
CLAIM_AHEAD = timedelta(seconds=1)
"""Sources falling due this soon after the earliest are claimed with it (each poll still
starts at its own due time, rounded up to `START_TICK`): at hundreds of sources, one
claim serves dozens of polls. (5 s claimed five times as many, but one worker of a fleet
then took every source due, and the others idled.)"""
START_TICK = 0.25
"""Seconds: polls falling due within one tick start together, so the loop wakes once
for them all (each wake-up is a round of system calls and timers), a quarter of a
second late at most."""
IDLE_WAKE = 1.0
"""Seconds at most the loop sleeps: a source's due time may move while it sleeps."""
GATHER = 2.0
"""Seconds a state write waits for others to share its transaction (the poll's times
are those of its end, so the wait delays no schedule)."""
RETRY_SOON = timedelta(milliseconds=500)


@dataclass(frozen=True)
class Claimed:
    """What a poll needs of its source's row, read when it was claimed."""

    id: int
    state: dict[str, Any]
    etag: str | None
    last_modified: str | None
    last_crawl_at: datetime | None
    last_success_at: datetime | None


Apply = Callable[[Session, Source, PollResult, Any], None]


class StateWriter:
    """Commits the state of many polls in one transaction; each caller waits for its own."""

    def __init__(self, engine: Engine, apply: Apply) -> None:
        self.engine = engine
        self.apply = apply
        self._pending: list[tuple[PollResult, Any, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, result: PollResult, extra: Any) -> None:
        """Record `result` (via `apply(session, row, result, extra)`); raises what the
        database raised, for this poll alone to handle."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((result, extra, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            await asyncio.sleep(GATHER)
            batch, self._pending = self._pending, []
            try:
                with session_scope(self.engine) as session:
                    rows = sources_named(session, [result.source for result, _, _ in batch])
                    for result, extra, _ in batch:
                        self.apply(session, rows[result.source], result, extra)
            except Exception as exc:  # the database's error, or a bug: each poll hears it
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, _, future in batch:
                if not future.done():
                    future.set_result(None)


class Dispatcher:
    """Starts the polls of due sources: `due` says when each source is due (the daemon
    keeps it up to date), `busy` which are being polled by this worker."""

    def __init__(
        self,
        engine: Engine,
        owner: str,
        lease: timedelta,
        due: dict[str, datetime],
        busy: dict[str, int],
        start: Callable[[str, Claimed], Coroutine[Any, Any, None]],
        intervals: dict[str, timedelta],
    ) -> None:
        self.engine = engine
        self.owner = owner
        self.lease = lease
        self.due = due
        self.busy = busy
        self.start = start
        self.intervals = intervals
        self.stranded: set[str] = set()
        """Sources whose last poll the database failed: drop our own lease before claiming."""
        self.failed: Callable[[list[str], SQLAlchemyError], None] = lambda _n, _e: None
        self._wake = asyncio.Event()
        self._starting: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stopping: Callable[[], bool]) -> None:
        while not stopping():
            now = utcnow()
            waiting = [(at, name) for name, at in self.due.items() if name not in self.busy]
            soonest = min((at for at, _ in waiting), default=None)
            if soonest is not None and soonest <= now:
                ahead = now + CLAIM_AHEAD
                due = sorted((at, name) for at, name in waiting if at <= ahead)[:CLAIM_LIMIT]
                self.claim(dict((name, at) for at, name in due), now)
                await asyncio.sleep(0)
                continue
            sleep = IDLE_WAKE if soonest is None else (soonest - now).total_seconds()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(max(sleep, 0.0), IDLE_WAKE))
        for task in self._starting:  # claimed, not started: their leases go with the rest
            task.cancel()
        await asyncio.gather(*self._starting, return_exceptions=True)

    def claim(self, due: dict[str, datetime], now: datetime) -> None:
        """Claim the sources of `due` (name: when due, at most `CLAIM_AHEAD` from now) in
        one transaction, and start each one's poll at its due time."""
        names = list(due)
        try:
            with session_scope(self.engine) as session:
                mine = [n for n in names if n in self.stranded]
                if mine:  # our own leases, left by polls the database failed
                    session.exec(  # type: ignore[call-overload]
                        update(Source)
                        .where(Source.name.in_(mine))  # type: ignore[attr-defined]
                        .where(Source.lease_owner == self.owner)  # type: ignore[arg-type]
                        .values(lease_owner=None, lease_until=None)
                    )
                ahead = max(due.values())
                rows = claim_sources(
                    session, self.owner, now, self.lease, names=names, due_by=max(ahead, now)
                )
                claimed = {
                    row.name: Claimed(
                        row.id or 0,
                        dict(row.state),
                        row.etag,
                        row.last_modified,
                        row.last_crawl_at,
                        row.last_success_at,
                    )
                    for row in rows
                }
                others = [n for n in names if n not in claimed]
                if others:
                    self._not_mine(session, others, now)
        except SQLAlchemyError as exc:
            self.failed(names, exc)
            return
        loop = asyncio.get_running_loop()
        for name, row in claimed.items():
            self.busy[name] = row.id
            at = max(due[name], now)
            self.due[name] = at + self.intervals[name]  # until the poll decides otherwise
            task = loop.create_task(self._start_at(at, name, row))
            self._starting.add(task)
            task.add_done_callback(self._starting.discard)

    async def _start_at(self, at: datetime, name: str, row: Claimed) -> None:
        wait = (at - utcnow()).total_seconds()
        try:
            if wait > 0:
                loop = asyncio.get_running_loop()
                tick = math.ceil((loop.time() + wait) / START_TICK) * START_TICK
                await asyncio.sleep(tick - loop.time())
        except asyncio.CancelledError:
            self.busy.pop(name, None)
            raise
        self._starting.discard(asyncio.current_task())  # type: ignore[arg-type]
        await self.start(name, row)

    def _not_mine(self, session: Session, names: list[str], now: datetime) -> None:
        """When to look again at sources this worker could not claim."""
        for name in names:
            self.due[name] = now + RETRY_SOON
        for row in sources_named(session, names).values():
            interval = self.intervals[row.name]
            if row.lease_until is not None and row.lease_until > now:
                # Someone else is polling it: look again when they should be done.
                at = min(row.lease_until, now + interval) + timedelta(milliseconds=50)
            elif row.next_poll_at is not None and row.next_poll_at > now:
                at = row.next_poll_at
            else:
                at = now + RETRY_SOON
            self.due[row.name] = at
