"""Three `peacewatch run` workers on one PostgreSQL share twenty sources: each source is
polled within its interval and never by two workers at once, and when one worker is
SIGKILLed the others take over its leased sources once the leases expire."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from itertools import pairwise

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.conftest import write_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

INTERVAL = 3.0
LEASE = 4.0
SLOW = 1.0  # seconds the slow feeds take to answer
RUN = 45.0  # 20 s after the kill: the lease (4 s) lapses and five rounds follow
KILL_AT = 25.0
WORKERS = 3
SOURCES = 20
SLACK = 2.0
"""Scheduling, claim and HTTP overhead on a loaded 2-core machine. 1.5 failed a CI run
whose suite took 631 s (a 5.15 s gap against 4.8; the test alone passed three times
after): a source starved by the fleet would miss whole rounds, not half a second."""


def test_three_workers_share_twenty_sources(tmp_path, farm, daemons, pg_url):
    names = [f"feed-{i:02d}" for i in range(SOURCES)]
    slow = set(names[:6])
    sources = [
        {"name": n, "url": farm.feed(n, delay=SLOW if n in slow else 0.0), "interval": "3s"}
        for n in names
    ]
    by_agent = {}
    for w in range(WORKERS):
        agent = f"worker-{w}"
        config = write_config(
            tmp_path / f"worker{w}.toml",
            database=pg_url,
            sources=sources,
            sections={
                "network": {"allow_private": True, "user_agent": agent},
                "web": {"port": 0},
                "daemon": {"min_interval": "1s", "max_interval": "3s", "lease": f"{LEASE:g}s"},
            },
        )
        by_agent[agent] = daemons(config, "--log-format", "json")
    workers = list(by_agent.values())
    for worker in workers:
        worker.started(timeout=60)
    began = time.monotonic() + INTERVAL  # first round of polls settles

    time.sleep(KILL_AT - INTERVAL)
    # The victim is whichever worker is mid-way through a slow poll, holding its lease: which
    # worker claims the slow feeds is up to the race for due sources, and waiting for one
    # named worker failed a CI run where worker 0 claimed none for ten seconds.
    deadline = time.monotonic() + 10
    busy: dict[str, list[str]] = {}
    while not busy and time.monotonic() < deadline:
        time.sleep(0.01)
        busy = {n: agents for n in slow if (agents := farm.busy(n))}
    assert busy, (
        "no worker polled a slow feed",
        sorted((round(h.start - began, 2), h.agent, n) for n in slow for h in farm.of(n))[-30:],
    )
    agent = next(iter(busy.values()))[0]
    held = [n for n, agents in busy.items() if agent in agents]
    victim = by_agent[agent]
    survivors = [w for w in workers if w is not victim]
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(timeout=10)
    killed_at = time.monotonic()

    status, health = _get(survivors[0].url + "/healthz")
    assert status == 200, health
    _, metrics = _get(survivors[0].url + "/metrics")
    families = {f.name: f for f in text_string_to_metric_families(metrics.decode())}
    assert families["peacewatch_scheduler_running"].samples[0].value == 1
    assert families["peacewatch_articles_stored"].samples[0].value == SOURCES

    time.sleep(max(0.0, RUN - (time.monotonic() - began)))
    for worker in survivors:
        code, took = worker.terminate()
        assert code == 0, worker.output()
        assert took < 10
    ended = time.monotonic()

    for name in names:
        hits = [h for h in farm.of(name) if began <= h.start <= ended - INTERVAL]
        # never two workers at once: one poll ends before the next starts
        for a, b in pairwise(farm.of(name)):
            assert b.start >= a.end - 0.05, (name, a, b)
        allowance = INTERVAL * 1.1 + (SLOW if name in slow else 0) + SLACK
        for a, b in pairwise(hits):
            gap = b.start - a.start
            if a.start <= killed_at <= b.start:
                assert gap <= LEASE + allowance, (name, gap)
            else:
                polls = [(round(h.start - began, 2), h.agent) for h in hits]
                assert gap <= allowance, (name, gap, round(killed_at - began, 2), polls)
        assert len(hits) >= (ended - INTERVAL - began) / (allowance) - 1, name

    agents = {h.agent for h in farm.hits}
    assert agents == {"worker-0", "worker-1", "worker-2"}
    assert not [h for h in farm.hits if h.agent == agent and h.start > killed_at]
    for name in held:  # the victim's leased sources were polled again by the others
        after = [h for h in farm.of(name) if h.start > killed_at]
        assert after and after[0].agent != agent
        assert after[0].start - killed_at <= LEASE + INTERVAL * 1.1 + SLOW + SLACK

    engine = create_engine(pg_url)
    with engine.connect() as conn:
        leased = conn.execute(text("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL"))
        assert leased.scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar() == SOURCES
    engine.dispose()
    polls = [json.loads(line) for w in workers for line in w.lines if '"event": "poll"' in line]
    assert {p["worker"].split(":")[1] for p in polls} == {str(w.proc.pid) for w in workers}


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()
