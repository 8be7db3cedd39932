"""The soak's feed server: a plan's feeds over HTTP, with faults, in its own process.

A small asyncio HTTP/1.1 server (keep-alive, ETag/304) like `tests/bench/feedserver.py`,
listening on several loopback addresses (127.0.0.1, 127.0.0.2, …) so the feeds sit on
several hosts as real outlets do and the client's per-host limit behaves as it would.
Each feed shows the plan's items that have appeared by now (the newest `window`).

Faults, drawn per request from a seeded RNG: HTTP 500s, hangs past the client's
timeouts (then the connection is dropped), bodies cut short of their Content-Length,
and garbage with a 200. One total outage: every listening socket and open connection
is closed (connection refused) or, in `503` mode, every request is answered 503.

The server records the items of every complete successful response it wrote; the
parent asks for these figures over a pipe when it stops the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import multiprocessing
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from tests.servers import read_request_head
from tests.soak.news import Item, Plan, rss_document

GARBAGE_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>Upstream error</h1>"
    b"<p>The proxy could not reach the origin.</p></body></html>"
)


@dataclass(frozen=True)
class Faults:
    error_500: float = 0.05
    timeout: float = 0.02
    broken: float = 0.01  # half cut short, half garbage
    hang: float = 8.0  # seconds a timed-out request is held before the drop
    outage_at: float | None = None  # seconds after start
    outage_for: float = 10.0
    outage_mode: str = "refused"  # or "503"


@dataclass
class Stats:
    outcomes: Counter[str] = field(default_factory=Counter)
    served: set[int] = field(default_factory=set)
    outage: tuple[float, float] | None = None  # wall-clock start and end

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcomes": dict(self.outcomes),
            "served": sorted(self.served),
            "outage": self.outage,
        }


class FeedSite:
    def __init__(self, plan: Plan, faults: Faults, started: float, window: int, seed: int):
        self.plan = plan
        self.faults = faults
        self.started = started
        self.window = window
        self.rng = random.Random(seed)
        self.by_feed: dict[int, list[Item]] = {f: [] for f in range(plan.feeds)}
        for item in plan.items:
            self.by_feed[item.feed].append(item)
        self.stats = Stats()
        self.writers: set[asyncio.StreamWriter] = set()
        self.down = False

    def visible(self, feed: int) -> list[Item]:
        now = time.time() - self.started
        shown = [i for i in self.by_feed[feed] if i.appear <= now]
        return shown[-self.window :]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            while True:
                path, headers = await read_request_head(reader)
                if not await self.respond(path, headers, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # the server is stopping (a hang was in progress)
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    async def respond(
        self, path: str, headers: dict[str, str], writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; False when the connection is to be dropped."""
        count = self.stats.outcomes
        if self.down:  # 503 mode (refused mode has no listening socket at all)
            count["outage_503"] += 1
            writer.write(_head(503, "Service Unavailable", 0, "text/plain"))
            await writer.drain()
            return True
        feed = _feed_number(path)
        if feed is None or feed >= self.plan.feeds:
            count["404"] += 1
            writer.write(_head(404, "Not Found", 0, "text/plain"))
            await writer.drain()
            return True
        roll = self.rng.random()
        f = self.faults
        if roll < f.error_500:
            count["500"] += 1
            body = b"internal error"
            writer.write(_head(500, "Internal Server Error", len(body), "text/plain") + body)
            await writer.drain()
            return True
        if roll < f.error_500 + f.timeout:
            count["timeout"] += 1
            await asyncio.sleep(f.hang)
            return False
        items = self.visible(feed)
        body = rss_document(self.plan, feed, items, self.started)
        etag = '"' + hashlib.md5(body).hexdigest()[:16] + '"'
        if roll < f.error_500 + f.timeout + f.broken:
            if self.rng.random() < 0.5:
                count["truncated"] += 1
                cut = body[: len(body) // 2]
                writer.write(_head(200, "OK", len(body), "application/rss+xml", etag) + cut)
                await writer.drain()
                return False
            count["garbage"] += 1
            junk = GARBAGE_HTML if self.rng.random() < 0.5 else os.urandom(2048)
            writer.write(_head(200, "OK", len(junk), "application/rss+xml") + junk)
            await writer.drain()
            return True
        if headers.get("if-none-match") == etag:
            count["304"] += 1
            writer.write(_head(304, "Not Modified", 0, None, etag))
            await writer.drain()
            return True
        writer.write(_head(200, "OK", len(body), "application/rss+xml", etag) + body)
        await writer.drain()
        count["200"] += 1
        self.stats.served.update(i.id for i in items)
        return True

    async def outage(self, listeners: list[asyncio.Server], reopen: Any) -> list[asyncio.Server]:
        f = self.faults
        assert f.outage_at is not None
        await asyncio.sleep(max(0.0, self.started + f.outage_at - time.time()))
        began = time.time()
        if f.outage_mode == "503":
            self.down = True
            await asyncio.sleep(f.outage_for)
            self.down = False
        else:
            for server in listeners:
                server.close()
            for writer in list(self.writers):
                writer.close()
            await asyncio.sleep(f.outage_for)
            listeners = await reopen()
        self.stats.outage = (began, time.time())
        return listeners


def _feed_number(path: str) -> int | None:
    name = path.rsplit("/", 1)[-1]
    if not (name.startswith("feed") and name.endswith(".xml")):
        return None
    digits = name[4:-4]
    return int(digits) if digits.isdigit() else None


def _head(
    status: int, reason: str, length: int, ctype: str | None, etag: str | None = None
) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {length}"]
    if ctype:
        lines.append(f"Content-Type: {ctype}")
    if etag:
        lines.append(f"ETag: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _serve(
    conn: Connection,
    plan: Plan,
    faults: Faults,
    started: float,
    hosts: list[str],
    window: int,
    seed: int,
) -> None:
    site = FeedSite(plan, faults, started, window, seed)
    port = 0

    async def open_listeners() -> list[asyncio.Server]:
        nonlocal port
        servers = []
        for host in hosts:
            server = await asyncio.start_server(
                site.handle, host, port, reuse_address=True, backlog=1024
            )
            port = port or server.sockets[0].getsockname()[1]
            servers.append(server)
        return servers

    listeners = await open_listeners()
    conn.send(port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(conn.fileno(), stop.set)
    outage: asyncio.Task[list[asyncio.Server]] | None = None
    if faults.outage_at is not None:
        outage = asyncio.create_task(site.outage(listeners, open_listeners))
    await stop.wait()
    loop.remove_reader(conn.fileno())
    conn.recv()
    if outage is not None:
        if outage.done():
            listeners = outage.result()
        else:
            outage.cancel()
    for server in listeners:
        server.close()
    conn.send(site.stats.as_dict())


def _run(conn: Connection, *args: Any) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(conn, *args))


class FaultyFeedServer:
    """The server in a child process; `url(feed)` is a feed's URL."""

    def __init__(
        self,
        plan: Plan,
        faults: Faults,
        started: float,
        *,
        hosts: int = 10,
        window: int = 20,
        seed: int = 1,
    ) -> None:
        self.hosts = [f"127.0.0.{n}" for n in range(1, hosts + 1)]
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_run,
            args=(child, plan, faults, started, self.hosts, window, seed),
            daemon=True,
        )
        self.port = 0

    def url(self, feed: int) -> str:
        return f"http://{self.hosts[feed % len(self.hosts)]}:{self.port}/feed{feed}.xml"

    def start(self) -> FaultyFeedServer:
        self.proc.start()
        if not self._conn.poll(30):
            raise RuntimeError("the feed server did not start")
        self.port = self._conn.recv()
        return self

    def stop(self) -> dict[str, Any]:
        """Stop serving; the figures it recorded."""
        self._conn.send("stop")
        stats: dict[str, Any] = self._conn.recv() if self._conn.poll(30) else {}
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
        return stats
