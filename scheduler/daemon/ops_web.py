"""`/healthz` and `/metrics`: what an orchestrator and Prometheus ask the daemon.

An APIRouter, so the daemon mounts it on its own app today and on the dashboard's app
once both run in one server. Both routes are plain `def`: FastAPI runs them in a
thread, so a slow database never stalls the event loop that polls feeds. The daemon
mounts them as open paths of the dashboard's app (`notifier.web.create_app`): they
answer without the token and under any Host name, for probes and scrapers that address
the container by IP or service name; every other path gets the dashboard's Host
allow-list.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from crawler.clock import as_utc, utcnow
from crawler.store.tables import Source
from scheduler.daemon.metrics import CONTENT_TYPE, Metrics


class Liveness(Protocol):
    """What the daemon tells the health check about itself."""

    engine: Engine
    started_at: datetime
    stale_after: timedelta
    watches_sources: bool
    database_error: str | None
    """Set while the database fails the daemon's own work (a poll it could not record)."""

    def scheduler_running(self) -> bool: ...


@dataclass
class ServeLiveness:
    """`peacewatch serve`'s answer to the health check: it polls nothing, so it is
    healthy while its database answers (no scheduler, no staleness of polls)."""

    engine: Engine
    started_at: datetime = field(default_factory=utcnow)
    stale_after: timedelta = timedelta(days=36500)
    watches_sources: bool = False
    database_error: str | None = None

    def scheduler_running(self) -> bool:
        return True


@dataclass
class Health:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    last_success: datetime | None = None


FAILED_POLLS = 3
"""Failed polls in a row, of every source this worker polls, that make it unhealthy
before `stale_after`: the network, a proxy or the feeds' host is down for good."""


def check_health(daemon: Liveness, now: datetime | None = None) -> Health:
    """200 needs: the scheduler running, the database answering, a recent successful
    poll, and not every source failing its last `FAILED_POLLS` polls."""
    now = now or utcnow()
    reasons: list[str] = []
    if not daemon.scheduler_running():
        reasons.append("scheduler is not running")
    last: datetime | None = None
    failing = getattr(daemon, "database_error", None)
    if failing:
        reasons.append(f"database failed a poll: {failing}")
    try:
        with daemon.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            last = as_utc(connection.execute(select(func.max(Source.last_success_at))).scalar())
    except Exception as exc:  # any driver error means the same: the database is not there
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reasons.append(f"database does not answer: {first}")
    else:
        reference = last or daemon.started_at
        if daemon.watches_sources and now - reference > daemon.stale_after:
            since = f"since {last.isoformat(timespec='seconds')}" if last else "ever"
            reasons.append(f"no successful poll {since} (stale after {daemon.stale_after})")
    connectivity = getattr(daemon, "connectivity", None)
    streak = connectivity.all_failing(FAILED_POLLS) if connectivity is not None else None
    if streak is not None:
        since, fewest, sources = streak
        if last is None or last < since:  # no other worker has succeeded meanwhile
            reasons.append(
                f"every poll has failed since {since.isoformat(timespec='seconds')} "
                f"({fewest} or more in a row for each of {sources} sources)"
            )
    return Health(not reasons, reasons, last)


def ops_router(daemon: Liveness, metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        health = check_health(daemon)
        body = {
            "status": "ok" if health.ok else "fail",
            "reasons": health.reasons,
            "last_success": health.last_success.isoformat() if health.last_success else None,
        }
        return JSONResponse(body, status_code=200 if health.ok else 503)

    @router.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return router


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the daemon owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """uvicorn serving an app as a task in the daemon's loop, on a socket bound up front.

    Binding first means a busy port is one clear error before any work starts, and
    port 0 (tests) yields the real port for the log line.
    """

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise WebError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self._task, timeout=3)
        if self._socket is not None:
            self._socket.close()


class WebError(RuntimeError):
    """The web server cannot start; the message is for the user."""
