"""Soak under faults: `peacewatch run` against many faulty local feeds, then the books.

    python -m tests.soak.soak --minutes 10 --feeds 200
    python -m tests.soak.soak --minutes 10 --feeds 200 --database postgresql+psycopg://…

The daemon runs as a real subprocess (JSON logs) against a fault-injecting feed server
in its own process (`tests.soak.faultserver`) while new items keep appearing
(`tests.soak.news`), and delivers alerts to a local webhook receiver. After SIGTERM the
run is checked: exit status 0; every item served in a complete successful response is
stored exactly once and nothing else is (irrelevant items not at all); every raised
shift reached the receiver in exactly one delivery, every alert exactly once; and the
daemon's resident memory at the end is within the allowed growth over its value after
the first minute. A report of the figures is printed; the exit status is 1 when a
check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from crawler.fetch.urls import canonical_url
from crawler.store.db import make_engine, session_scope
from notifier.shifts.record import detect_and_record
from notifier.tables import Alert, Shift
from tests.conftest import write_config
from tests.servers import LocalHTTPServer, Response
from tests.soak.faultserver import Faults, FaultyFeedServer
from tests.soak.news import Plan, make_plan

ROOT = Path(__file__).resolve().parents[2]
JSON_LOGS = ("--log-format", "json")
ALERT_DELAY = 5.0  # seconds an alert may wait past its due time (group_wait): "a few"


@dataclass
class SoakConfig:
    duration: float = 600.0  # seconds from the feed server's start to SIGTERM
    feeds: int = 200
    interval: float = 5.0  # each source's configured interval
    item_every: float = 60.0  # a new item per feed about this often
    quiet_tail: float = 20.0  # no new items in the last seconds: alerts settle
    outage_at: float = 240.0
    outage_for: float = 10.0
    outage_mode: str = "refused"
    database: str | None = None  # default: SQLite in the work directory
    workdir: Path | None = None
    seed: int = 1
    memory_after: float = 60.0  # the memory baseline is taken this long after start
    memory_growth: float | None = 0.15  # None: not checked
    group_wait: float = 2.0
    read_timeout: float = 2.0
    total_timeout: float = 5.0


@dataclass
class SoakResult:
    config: SoakConfig
    exit_code: int | None = None
    stop_seconds: float = 0.0
    polls: Counter[str] = field(default_factory=Counter)
    poll_errors: Counter[str] = field(default_factory=Counter)
    server: dict[str, int] = field(default_factory=dict)
    outage: tuple[float, float] | None = None
    items_appeared: int = 0
    served: int = 0
    served_irrelevant: int = 0
    stored: int = 0
    stories: int = 0
    shifts_raised: int = 0
    shifts_suppressed: int = 0
    alerts: Counter[str] = field(default_factory=Counter)
    deliveries: int = 0
    distinct_deliveries: int = 0
    rss_base: int | None = None  # kB
    rss_end: int | None = None
    rss_peak: int | None = None
    tree_base: int | None = None  # with the worker processes (parsing pool)
    tree_end: int | None = None
    log_problems: list[str] = field(default_factory=list)
    skipped_runs: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    alert_delay: float = 0.0  # the longest wait of an alert past its due time, s
    problems: list[str] = field(default_factory=list)
    workdir: Path | None = None

    def report(self) -> str:
        c = self.config
        faults = {k: v for k, v in self.server.items() if k not in ("200", "304")}
        outage = (
            f"{self.outage[1] - self.outage[0]:.1f} s ({c.outage_mode})" if self.outage else "none"
        )
        growth = (
            f" ({(self.rss_end / self.rss_base - 1) * 100:+.1f} %)"
            if self.rss_base and self.rss_end
            else ""
        )
        lines = [
            f"soak: {c.feeds} feeds, {c.duration:.0f} s, interval {c.interval:g} s, "
            f"database {'sqlite' if not c.database else c.database.split(':', 1)[0]}",
            f"  exit status        {self.exit_code} (stopped in {self.stop_seconds:.1f} s)",
            f"  polls (daemon)     {sum(self.polls.values())}  {dict(self.polls)}",
            f"  requests (server)  {sum(self.server.values())}  200={self.server.get('200', 0)} "
            f"304={self.server.get('304', 0)}",
            f"  faults injected    {sum(faults.values())}  {faults}; outage {outage}",
            f"  poll errors        {dict(self.poll_errors.most_common(6))}",
            f"  items              appeared {self.items_appeared}, served {self.served} "
            f"({self.served_irrelevant} off-topic), stored {self.stored} in "
            f"{self.stories} stories",
            f"  shifts             raised {self.shifts_raised}, suppressed "
            f"{self.shifts_suppressed}",
            f"  alerts             {dict(self.alerts)}; deliveries received "
            f"{self.deliveries} ({self.distinct_deliveries} distinct keys), at most "
            f"{self.alert_delay:.1f} s after due",
            f"  RSS                {_mb(self.rss_base)} after {c.memory_after:g} s, "
            f"{_mb(self.rss_end)} at the end{growth}, peak {_mb(self.rss_peak)}; "
            f"with workers {_mb(self.tree_base)} -> {_mb(self.tree_end)}",
            f"  work directory     {self.workdir}",
        ]
        lines += [f"  log: {p}" for p in self.log_problems[:10]]
        lines.append("  checks: " + ("all passed" if not self.problems else "FAILED"))
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _mb(kb: int | None) -> str:
    return f"{kb / 1024:.1f} MB" if kb else "?"


class Receiver:
    """The webhook receiver: answers 200 and keeps every request."""

    def __init__(self) -> None:
        self.server = LocalHTTPServer()
        for path in ("/hook", "/ops"):
            self.server.route(path, Response(200, b"ok"))

    def deliveries(self, path: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (r.headers.get("x-peacewatch-delivery", ""), json.loads(r.body or b"{}"))
            for r in list(self.server.requests)
            if r.path == path
        ]


class MemoryWatch(threading.Thread):
    """VmRSS of the daemon, and of it with its worker processes, every `every` seconds."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int, int]] = []
        self.began = time.monotonic()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss = vm_rss(self.pid)
            if rss is None:
                return
            tree = rss + sum(vm_rss(child) or 0 for child in descendants(self.pid))
            self.samples.append((time.monotonic() - self.began, rss, tree))
            self.done.wait(self.every)

    def at(self, seconds: float) -> tuple[int, int] | None:
        return next(((kb, tree) for t, kb, tree in self.samples if t >= seconds), None)

    def last(self) -> tuple[int, int] | None:
        return (self.samples[-1][1], self.samples[-1][2]) if self.samples else None


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        found += [child, *descendants(child)]
    return found


def scrape_metrics(log_path: Path) -> dict[str, float]:
    """The daemon's counters from its /metrics (samples summed over labels)."""
    from prometheus_client.parser import text_string_to_metric_families

    found = re.search(r"web on (http://[\d.]+:\d+)", log_path.read_text(errors="replace"))
    if not found:
        return {}
    try:
        with urllib.request.urlopen(found.group(1) + "/metrics", timeout=10) as response:
            text_ = response.read().decode()
    except OSError:
        return {}
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text_):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


def vm_rss(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def write_soak_config(cfg: SoakConfig, path: Path, server: FaultyFeedServer, hooks: str) -> Path:
    return write_config(
        path,
        database=cfg.database or f"sqlite:///{path.parent / 'soak.db'}",
        sources=[
            {"name": f"feed{n}", "url": server.url(n), "interval": f"{cfg.interval:g}s"}
            for n in range(cfg.feeds)
        ],
        channels=[
            {"name": "desk", "kind": "webhook", "url": hooks + "/hook", "secret": "soak"},
            {"name": "ops", "kind": "webhook", "url": hooks + "/ops", "operations": True},
        ],
        sections={
            "network": {
                "allow_private": True,
                "connect_timeout": cfg.read_timeout,
                "read_timeout": cfg.read_timeout,
                "total_timeout": cfg.total_timeout,
            },
            "web": {"port": 0},
            "daemon": {
                "min_interval": f"{cfg.interval * 0.6:g}s",
                "max_interval": f"{cfg.interval * 2:g}s",
                "max_backoff": f"{cfg.interval * 4:g}s",
            },
            "alerts": {"group_wait": f"{cfg.group_wait:g}s"},
        },
    )


def run_soak(cfg: SoakConfig) -> SoakResult:
    workdir = cfg.workdir or Path(tempfile.mkdtemp(prefix="peacewatch-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    result = SoakResult(cfg, workdir=workdir)
    plan = make_plan(
        cfg.feeds,
        cfg.duration,
        item_every=cfg.item_every,
        quiet_tail=cfg.quiet_tail,
        seed=cfg.seed,
    )
    faults = Faults(
        hang=cfg.total_timeout + 3,
        outage_at=cfg.outage_at,
        outage_for=cfg.outage_for,
        outage_mode=cfg.outage_mode,
    )
    started = time.time()
    server = FaultyFeedServer(plan, faults, started, seed=cfg.seed).start()
    receiver = Receiver()
    receiver.server.start()
    stats: dict[str, Any] = {}
    log_path = workdir / "daemon.log"
    try:
        config = write_soak_config(cfg, workdir / "soak.toml", server, receiver.server.base)
        with log_path.open("w") as log:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "scheduler", "run", "--config", str(config), *JSON_LOGS],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        memory = MemoryWatch(daemon.pid)
        memory.start()
        try:
            while time.time() < started + cfg.duration and daemon.poll() is None:
                time.sleep(min(1.0, max(0.0, started + cfg.duration - time.time())))
            result.metrics = scrape_metrics(log_path)
            memory.done.set()
            memory.join(5)
            result.rss_end, result.tree_end = memory.last() or (None, None)
            began = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            try:
                result.exit_code = daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(10)
            result.stop_seconds = time.monotonic() - began
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait(10)
        result.rss_base, result.tree_base = memory.at(cfg.memory_after) or (None, None)
        result.rss_peak = max((kb for _, kb, _ in memory.samples), default=None)
    finally:
        stats = server.stop()
        receiver.server.stop()
    check(result, plan, stats, receiver, log_path)
    return result


def check(
    result: SoakResult, plan: Plan, stats: dict[str, Any], receiver: Receiver, log_path: Path
) -> None:
    cfg, problems = result.config, result.problems
    _read_log(result, log_path)
    if result.exit_code != 0:
        problems.append(f"daemon exit status {result.exit_code}, wanted 0")
    if result.skipped_runs:
        problems.append(f"APScheduler skipped {result.skipped_runs} job runs (see log lines)")
    outcomes: dict[str, int] = stats.get("outcomes", {})
    result.server = outcomes
    result.outage = tuple(stats["outage"]) if stats.get("outage") else None  # type: ignore[assignment]
    for fault in ("500", "timeout"):
        if not outcomes.get(fault):
            problems.append(f"no {fault} fault was injected: the run proves nothing about it")
    if not (outcomes.get("truncated") or outcomes.get("garbage")):
        problems.append("no truncated or garbage body was injected")
    if cfg.outage_at is not None and result.outage is None:
        problems.append("the outage did not happen")

    by_id = {item.id: item for item in plan.items}
    until = cfg.duration
    result.items_appeared = sum(1 for i in plan.items if i.appear <= until)
    served = [by_id[i] for i in stats.get("served", [])]
    result.served = len(served)
    result.served_irrelevant = sum(1 for i in served if not i.relevant)
    want = {canonical_url(i.link) for i in served if i.relevant}
    off_topic = {canonical_url(i.link) for i in served if not i.relevant}

    engine = make_engine(cfg.database or f"sqlite:///{result.workdir / 'soak.db'}")
    try:
        with session_scope(engine) as session:
            urls = list(session.execute(text("SELECT url FROM articles")).scalars())
            result.stories = session.execute(text("SELECT count(*) FROM stories")).scalar_one()
            shifts = list(session.exec(select(Shift)).scalars())  # type: ignore[call-overload]
            alerts = list(session.exec(select(Alert)).scalars())  # type: ignore[call-overload]
            alert_rows = [(a.channel, a.state, a.idempotency_key, a.kind) for a in alerts]
            delays = [
                (a.sent_at - a.next_attempt_at).total_seconds()
                for a in alerts
                if a.sent_at is not None and a.attempts == 1
            ]
            raised = {s.id for s in shifts if s.suppressed is None}
            result.shifts_suppressed = sum(1 for s in shifts if s.suppressed is not None)
    finally:
        engine.dispose()
    result.stored = len(urls)
    stored = set(urls)
    if len(stored) != len(urls):
        problems.append(f"{len(urls) - len(stored)} articles stored more than once")
    missing = want - stored
    if missing:
        problems.append(f"{len(missing)} served items not stored, e.g. {sorted(missing)[:3]}")
    extra = stored - want
    if extra & off_topic:
        problems.append(f"{len(extra & off_topic)} off-topic items stored")
    if extra - off_topic:
        problems.append(
            f"{len(extra - off_topic)} stored articles were never served in a complete "
            f"response, e.g. {sorted(extra - off_topic)[:3]}"
        )

    result.shifts_raised = len(raised)
    if not raised:
        problems.append("no shift was raised: the waves did not shift coverage")
    result.alerts = Counter(state for _, state, _, _ in alert_rows)
    received = receiver.deliveries("/hook") + receiver.deliveries("/ops")
    result.deliveries = len(received)
    keys = Counter(key for key, _ in received)
    result.distinct_deliveries = len(keys)
    repeated = {k: n for k, n in keys.items() if n > 1}
    if repeated:
        problems.append(f"{len(repeated)} alerts delivered more than once: {repeated}")
    owed = {key for _, _, key, _ in alert_rows}
    unsent = [(ch, state, kind) for ch, state, _, kind in alert_rows if state != "sent"]
    if unsent:
        problems.append(f"{len(unsent)} alerts not sent: {Counter(unsent)}")
    if set(keys) != owed:
        problems.append(
            f"deliveries and outbox disagree: {len(set(keys) - owed)} unknown keys, "
            f"{len(owed - set(keys))} alerts never received"
        )
    result.alert_delay = max(delays, default=0.0)
    if result.alert_delay > ALERT_DELAY:
        problems.append(
            f"an alert went out {result.alert_delay:.1f} s after it was due "
            f"(allowed {ALERT_DELAY:g} s: delivery follows group_wait at once)"
        )
    alerted: Counter[int] = Counter()
    seen: set[str] = set()
    for key, body in receiver.deliveries("/hook"):
        if key in seen:
            continue
        seen.add(key)
        alerted.update(s["id"] for s in body.get("shifts") or [])
    twice = {s: n for s, n in alerted.items() if n > 1}
    if twice:
        problems.append(f"shifts alerted in more than one delivery: {twice}")
    if set(alerted) != raised:
        problems.append(f"raised shifts {sorted(raised)} but deliveries carried {sorted(alerted)}")

    owed_late = late_shifts(result, cfg)
    if owed_late:
        problems.append(
            f"a detection pass after the run raises {owed_late}: the daemon missed them"
        )

    counted = {  # polls are left out: in-flight ones finish after the scrape
        "peacewatch_shifts_detected_total": result.shifts_raised,
        "peacewatch_alerts_sent_total": result.alerts.get("sent", 0),
    }
    for name, want_count in counted.items():
        if result.metrics.get(name) != want_count:
            problems.append(f"/metrics {name} = {result.metrics.get(name)}, wanted {want_count}")

    if cfg.memory_growth is not None:
        pairs = {
            "the daemon's": (result.rss_base, result.rss_end),
            "the daemon's and its workers'": (result.tree_base, result.tree_end),
        }
        for whose, (base, end) in pairs.items():
            if not (base and end):
                problems.append(f"{whose} resident memory was not measured")
            elif end > base * (1 + cfg.memory_growth):
                problems.append(
                    f"{whose} resident memory grew {(end / base - 1) * 100:.1f} % after the "
                    f"first {cfg.memory_after:g} s (allowed {cfg.memory_growth * 100:g} %)"
                )


def late_shifts(result: SoakResult, cfg: SoakConfig) -> list[str]:
    """Shifts one more detection pass would raise now, on a copy of the SQLite database.

    Nothing in the run becomes a shift by time alone (the windows are hours long), so
    anything raised here was owed by articles the daemon stored without detecting.
    """
    if cfg.database or result.workdir is None:
        return []
    from scheduler.config import load_settings

    copy = result.workdir / "late.db"
    source = sqlite3.connect(result.workdir / "soak.db")
    with sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    settings = load_settings(result.workdir / "soak.toml")
    engine = make_engine(f"sqlite:///{copy}")
    try:
        shifts = detect_and_record(engine, settings.topics, settings.alerts, [])
        return [f"{s.kind} {s.from_status} -> {s.to_status}" for s in shifts if not s.suppressed]
    finally:
        engine.dispose()
        copy.unlink(missing_ok=True)


def _read_log(result: SoakResult, log_path: Path) -> None:
    for line in log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            if "Traceback" in line:
                result.problems.append("the daemon printed a traceback")
            continue
        try:
            record = json.loads(line)
        except ValueError:
            result.log_problems.append(f"unreadable log line: {line[:120]}")
            continue
        if record.get("event") == "poll":
            result.polls[record.get("outcome", "?")] += 1
            if record.get("error"):
                result.poll_errors[_error_kind(record["error"])] += 1
        serious = record.get("level") in ("error", "critical") or "exception" in record
        if serious or "internal error" in line:
            result.log_problems.append(str(record.get("message", line))[:200])
            result.problems.append(f"the daemon logged: {str(record.get('message'))[:160]}")
        elif record.get("logger", "").startswith("apscheduler"):
            result.log_problems.append(str(record.get("message", line))[:200])
            if "skipped" in line:  # work the daemon asked for and did not do
                result.skipped_runs += 1


def _error_kind(error: str) -> str:
    return error.split(":", 1)[0][:60]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--interval", type=float, default=5.0, help="source interval, s")
    parser.add_argument("--item-every", type=float, default=60.0, help="per feed, s")
    parser.add_argument("--database", default=None, help="default: SQLite in the workdir")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--outage-mode", choices=["refused", "503"], default="refused")
    parser.add_argument("--outage-for", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    duration = args.minutes * 60
    cfg = SoakConfig(
        duration=duration,
        feeds=args.feeds,
        interval=args.interval,
        item_every=args.item_every,
        quiet_tail=max(10.0, min(20.0, duration * 0.05)),
        outage_at=duration * 0.4,
        outage_for=args.outage_for,
        outage_mode=args.outage_mode,
        database=args.database,
        workdir=args.workdir,
        seed=args.seed,
        memory_after=min(60.0, duration / 4),
    )
    result = run_soak(cfg)
    print(result.report())
    return 0 if not result.problems else 1


if __name__ == "__main__":
    sys.exit(main())
