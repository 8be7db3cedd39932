"""Helpers for driving `peacewatch run` as a real subprocess against local feed servers."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.feeds import Entry, rss, talks_entry
from tests.servers import LocalHTTPServer, Request, Response

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"web on (http://[\d.]+:\d+)")


class Daemon:
    """One `peacewatch run` process; its stderr is collected line by line."""

    def __init__(self, config: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run", "--config", str(config), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url: str | None = None

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = regex.search(line)
                if match:
                    return match
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; stderr:\n" + self.output())

    def started(self, timeout: float = 40) -> Daemon:
        self.url = self.wait_for(STARTED.pattern, timeout).group(1)
        return self

    def output(self) -> str:
        return "\n".join(self.lines[-80:])

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 10) -> tuple[int, float]:
        began = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout + 5)
        return code, time.monotonic() - began

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def daemons() -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(config: Path, *args: str) -> Daemon:
        daemon = Daemon(config, *args)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


@dataclass
class Hit:
    path: str
    start: float
    end: float
    agent: str
    status: int


@dataclass
class FeedFarm:
    """Feeds on one local server whose every request is logged with its time span."""

    server: LocalHTTPServer
    hits: list[Hit] = field(default_factory=list)
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    modes: dict[str, Callable[[Request], Response | None]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    inflight: list[tuple[str, str]] = field(default_factory=list)

    def feed(self, name: str, entries: int = 1, delay: float = 0.0) -> str:
        path = f"/{name}.xml"
        self.entries[path] = [
            talks_entry(1000 * len(self.entries) + n, f"https://{name}.example.org")
            for n in range(entries)
        ]
        self.delays[path] = delay

        def handler(request: Request, path: str = path) -> Response:
            began = time.monotonic()
            busy = (path, request.headers.get("user-agent", ""))
            with self.lock:
                self.inflight.append(busy)
            override = self.modes.get(path)
            response = override(request) if override else None
            if response is None:
                body = rss(self.entries[path])
                response = Response(body=body, headers={"Content-Type": "application/rss+xml"})
            if self.delays[path] and not response.delay:
                time.sleep(self.delays[path])
            elif response.delay:
                time.sleep(response.delay)
                response = Response(response.status, response.body, response.headers)
            with self.lock:
                self.inflight.remove(busy)
                self.hits.append(
                    Hit(
                        path,
                        began,
                        time.monotonic(),
                        request.headers.get("user-agent", ""),
                        response.status,
                    )
                )
            return response

        return self.server.route(path, handler)

    def add_entry(self, name: str, n: int) -> Entry:
        entry = talks_entry(n, f"https://{name}.example.org")
        self.entries[f"/{name}.xml"].append(entry)
        return entry

    def busy(self, name: str) -> list[str]:
        """User agents being served this feed right now."""
        with self.lock:
            return [agent for path, agent in self.inflight if path == f"/{name}.xml"]

    def starts(self, name: str) -> list[float]:
        with self.lock:
            return sorted(h.start for h in self.hits if h.path == f"/{name}.xml")

    def of(self, name: str) -> list[Hit]:
        with self.lock:
            return sorted((h for h in self.hits if h.path == f"/{name}.xml"), key=lambda h: h.start)


@pytest.fixture
def farm(http_server: LocalHTTPServer) -> FeedFarm:
    return FeedFarm(http_server)


def json_lines(lines: list[str]) -> list[dict]:
    out = []
    for line in lines:
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def max_gap(times: list[float]) -> float:
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def set_reachable(admin: Engine, name: str, reachable: bool) -> None:
    """Open or close database `name` to connections (closing ends the ones it has),
    through `admin`, an AUTOCOMMIT engine on another database of the same server."""
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(reachable).lower()}'))
        if not reachable:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
