"""A receiver that trickles its answer cannot hang delivery, nor hold up other channels.

The receiver sends its headers at once, then one byte a second: a client whose timeout
restarts with each byte waits for minutes. Every send has a total deadline (the
channel's `timeout`), and channels are sent to side by side.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crawler.settings import TopicSettings
from crawler.store.db import session_scope
from notifier.alerts.outbox import deliver_pending, send_test
from notifier.settings import AlertSettings, ChannelSettings
from notifier.shifts.record import detect_and_record
from notifier.tables import Alert
from scheduler.database import open_database
from tests.alerts.conftest import T0, ceasefire_articles, ingest
from tests.hostile.trickle import TrickleReceiver
from tests.servers import LocalHTTPServer, Request, Response

FAST = AlertSettings(backoff_base="1s", max_backoff="2s", dead_after="1h")
DEADLINE = 2.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'pw.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def trickle() -> Iterator[TrickleReceiver]:
    receiver = TrickleReceiver(every=1.0).start()
    yield receiver
    receiver.stop()


def _channels(slow_url: str, fast_url: str) -> list[ChannelSettings]:
    return [  # the slow one first: its alert is claimed, and was sent, first
        ChannelSettings(name="slow", kind="webhook", url=slow_url, timeout=f"{DEADLINE:g}s"),
        ChannelSettings(name="fast", kind="webhook", url=fast_url),
    ]


def _arrivals(server: LocalHTTPServer) -> list[float]:
    times: list[float] = []

    def handler(_request: Request) -> Response:
        times.append(time.monotonic())
        return Response(200, b"ok")

    server.route("/hook", handler)
    return times


async def test_a_trickling_webhook_times_out_and_holds_up_no_other_channel(
    engine: Engine, trickle: TrickleReceiver, server: LocalHTTPServer
) -> None:
    arrivals = _arrivals(server)
    chans = _channels(trickle.url, server.url("/hook"))
    ingest(engine, ceasefire_articles())
    detect_and_record(engine, [TopicSettings()], FAST, chans, now=T0)

    began = time.monotonic()
    report = await asyncio.wait_for(deliver_pending(engine, chans, FAST, now=T0), timeout=30)
    took = time.monotonic() - began

    assert len(trickle.requests) == 1
    assert took < DEADLINE + 2, f"delivery took {took:.1f}s against a {DEADLINE:g}s deadline"
    assert len(arrivals) == 1 and arrivals[0] - began < 1.5, "the fast channel waited"
    assert (report.sent, report.failed, report.dead) == (1, 1, 0)
    with session_scope(engine) as session:
        rows = {a.channel: a for a in session.exec(select(Alert)).scalars()}
        assert rows["fast"].state == "sent"
        assert rows["slow"].state == "pending"
        assert f"timed out after {DEADLINE:g}s" in (rows["slow"].last_error or "")


async def test_alerts_test_gives_a_trickling_webhook_its_deadline_only(
    trickle: TrickleReceiver, server: LocalHTTPServer
) -> None:
    arrivals = _arrivals(server)
    began = time.monotonic()
    results = await asyncio.wait_for(
        send_test(_channels(trickle.url, server.url("/hook"))), timeout=30
    )
    assert time.monotonic() - began < DEADLINE + 2
    assert len(arrivals) == 1 and arrivals[0] - began < 1.5, "the fast channel waited"
    assert [(r["channel"], r["ok"]) for r in results] == [("slow", False), ("fast", True)]
    assert f"timed out after {DEADLINE:g}s" in str(results[0]["error"])
