"""`peacewatch run` as a real process on SQLite: new items become articles on schedule,
/healthz and /metrics answer, a second daemon is refused, SIGTERM stops it cleanly and a
restart after SIGKILL loses and repeats nothing."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import write_config
from tests.daemon.conftest import ROOT, json_lines

INTERVAL = 2.0


def _articles(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT url, source FROM articles ORDER BY id").fetchall()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _config(tmp_path: Path, farm, names: list[str], **daemon: object) -> tuple[Path, Path]:
    db = tmp_path / "pw.db"
    sources = [
        {"name": name, "url": farm.feed(name), "interval": f"{INTERVAL:g}s"} for name in names
    ]
    path = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{db}",
        sources=sources,
        sections={
            "web": {"port": 0},
            "daemon": {"min_interval": "1s", "max_interval": f"{INTERVAL:g}s", **daemon},
            "alerts": {"group_wait": "1s"},
        },
    )
    return path, db


def test_new_item_is_stored_within_interval_and_sigterm_exits_zero(tmp_path, farm, daemons):
    config, db = _config(tmp_path, farm, ["wire", "paper"])
    daemon = daemons(config, "--log-format", "json").started()
    daemon.wait_for(r'"event": "poll".*"source": "wire"')
    daemon.wait_for(r'"event": "poll".*"source": "paper"')

    # A second daemon on the same database refuses with one line, before doing anything.
    second = subprocess.run(
        [sys.executable, "-m", "scheduler", "run", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode != 0
    assert second.stderr.strip().count("\n") == 0, second.stderr
    assert "already running" in second.stderr and "pw.db" in second.stderr

    added = farm.add_entry("wire", 7)
    added_at = time.monotonic()
    deadline = added_at + INTERVAL * 1.1 + 5
    while time.monotonic() < deadline:
        if any(url == added.link for url, _ in _articles(db)):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("new item not stored in time:\n" + daemon.output())
    assert time.monotonic() - added_at <= INTERVAL * 1.1 + 5

    status, body = _get(daemon.url + "/healthz")
    assert status == 200, body
    assert json.loads(body)["status"] == "ok"
    # Both sources poll every INTERVAL, but not in step: the new item may come in before
    # paper's second poll has.
    paper_polls = re.compile(r'"event": "poll".*"source": "paper"')
    deadline = time.monotonic() + INTERVAL * 2 + 5
    while sum(map(bool, map(paper_polls.search, list(daemon.lines)))) < 2:
        assert time.monotonic() < deadline, daemon.output()
        time.sleep(0.1)
    status, body = _get(daemon.url + "/metrics")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    ours = [n for n in families if not n.startswith(("python_", "process_"))]
    assert ours and all(name.startswith("peacewatch_") for name in ours)
    polls = {
        s.labels["source"]: s.value
        for s in families["peacewatch_polls"].samples
        if s.name == "peacewatch_polls_total" and s.labels["outcome"] == "ok"
    }
    assert polls["wire"] >= 2 and polls["paper"] >= 2
    assert families["peacewatch_articles_stored"].samples[0].value == 3
    assert "peacewatch_poll_duration_seconds" in families
    assert "peacewatch_alerts" in families and "peacewatch_shifts_stored" in families

    code, took = daemon.terminate(signal.SIGTERM)
    assert code == 0, daemon.output()
    assert took < 10
    records = json_lines(daemon.lines)
    polls_logged = [r for r in records if r.get("event") == "poll"]
    assert polls_logged and all("next_poll_reason" in r for r in polls_logged)
    assert sorted(url for url, _ in _articles(db)) == sorted(
        e.link for entries in farm.entries.values() for e in entries
    )

    listing = subprocess.run(
        [sys.executable, "-m", "scheduler", "sources", "--json", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    sources = {s["name"]: s for s in json.loads(listing.stdout)}
    assert sources["wire"]["next_poll"] and sources["wire"]["next_poll_reason"].startswith(
        ("interval", "adaptive")
    )


def test_restart_after_sigkill_loses_and_repeats_nothing(tmp_path, farm, daemons):
    config, db = _config(tmp_path, farm, ["alpha", "beta"])
    farm.delays["/beta.xml"] = 1.5  # so the kill lands mid-poll, holding a lease
    first = daemons(config).started()
    first.wait_for(r"poll alpha ok")
    farm.add_entry("alpha", 11)
    farm.add_entry("beta", 12)
    time.sleep(0.3)
    deadline = time.monotonic() + 10
    while not farm.busy("beta") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert farm.busy("beta"), first.output()
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    farm.add_entry("beta", 13)

    second = daemons(config).started()  # the lock died with the process
    deadline = time.monotonic() + 20
    expected = sorted(e.link for entries in farm.entries.values() for e in entries)
    while time.monotonic() < deadline:
        if sorted(url for url, _ in _articles(db)) == expected:
            break
        time.sleep(0.2)
    assert sorted(url for url, _ in _articles(db)) == expected, second.output()
    code, _took = second.terminate()
    assert code == 0
    with sqlite3.connect(db) as conn:
        leased = conn.execute("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL")
        assert leased.fetchone() == (0,)
        stored = conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
        assert stored == (len(expected), len(expected))


def test_first_minute_says_what_it_will_do_and_hears_from_every_source(tmp_path, farm, daemons):
    names = [f"outlet{i}" for i in range(12)]
    db = tmp_path / "pw.db"
    config = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{db}",
        sources=[{"name": n, "url": farm.feed(n), "interval": "15m"} for n in names],
        sections={"web": {"port": 0}},  # the default jitter: up to 90 s for 15 min
    )
    began = time.monotonic()
    daemon = daemons(config, "--log-format", "json")
    line = daemon.wait_for(r'"event": "starting"', timeout=15).string
    announced = time.monotonic() - began
    summary = json.loads(line)
    assert summary["sources"] == names
    assert summary["database"] == f"sqlite:///{db}"
    assert summary["dashboard"] == "http://127.0.0.1:0/"
    assert "12 sources" in summary["message"]
    assert announced < 4, f"summary after {announced:.1f} s"
    daemon.started()
    started = time.monotonic()
    pending = set(names)
    deadline = started + 15
    while pending and time.monotonic() < deadline:
        for record in json_lines(daemon.lines):
            if record.get("event") == "poll":
                pending.discard(record["source"])
        time.sleep(0.1)
    assert not pending, f"no first outcome within 15 s of start from {sorted(pending)}"
    assert daemon.terminate()[0] == 0
