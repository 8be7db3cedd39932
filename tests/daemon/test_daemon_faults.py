"""A feed that fails for a while (500s, timeouts, garbage) then recovers: it backs off,
comes back, raises a health alert and a recovery note, and no other source misses a poll."""

from __future__ import annotations

import json
import sqlite3
import time
from itertools import pairwise

from tests.conftest import write_config
from tests.servers import Request, Response

INTERVAL = 2.0
MAX_BACKOFF = 8.0


def test_failing_feed_backs_off_and_recovers_while_others_keep_schedule(tmp_path, farm, daemons):
    db = tmp_path / "pw.db"
    names = ["flaky", "steady-a", "steady-b"]
    sources = [{"name": n, "url": farm.feed(n), "interval": f"{INTERVAL:g}s"} for n in names]
    config = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{db}",
        sources=sources,
        channels=[
            {"name": "ops", "kind": "webhook", "url": farm.server.url("/hook"), "operations": True}
        ],
        sections={
            "network": {"allow_private": True, "read_timeout": 1, "total_timeout": 1.5},
            "web": {"port": 0},
            "daemon": {
                "min_interval": "1s",
                "max_interval": f"{INTERVAL:g}s",
                "max_backoff": f"{MAX_BACKOFF:g}s",
                "failing_after": 3,
            },
        },
    )
    faults = [
        Response(500, b"oops"),
        Response(200, b"<html>not a feed at all", {"Content-Type": "text/html"}, delay=2.5),
        Response(200, b"\x00\x01garbage<<<", {"Content-Type": "application/rss+xml"}),
    ]
    state = {"served": 0, "recover_at": float("inf")}

    def flaky(request: Request) -> Response | None:
        state["served"] += 1
        if state["served"] == 1 or time.monotonic() >= state["recover_at"]:
            return None  # the normal feed
        return faults[(state["served"] - 2) % len(faults)]

    farm.modes["/flaky.xml"] = flaky
    farm.server.route("/hook", Response(200, b"ok"))
    daemon = daemons(config).started()
    daemon.wait_for(r"poll flaky ok")
    failing_from = time.monotonic()
    daemon.wait_for(r"health alert: \[peacewatch\] source flaky is failing", timeout=30)
    state["recover_at"] = time.monotonic() + 1
    entry = farm.add_entry("flaky", 5)
    daemon.wait_for(r"poll flaky ok entries=2 new=1", timeout=MAX_BACKOFF * 1.1 + 6)
    daemon.wait_for(r"health alert: \[peacewatch\] source flaky recovered", timeout=5)
    deadline = time.monotonic() + 5
    while farm.server.hits("/hook") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    code, took = daemon.terminate()
    assert code == 0 and took < 10

    flaky_hits = farm.of("flaky")
    failures = [h for h in flaky_hits if h.start >= failing_from and h.start < state["recover_at"]]
    assert len(failures) >= 3
    gaps = [b.start - a.start for a, b in pairwise(flaky_hits)]
    assert max(gaps) >= 2 * INTERVAL * 0.9, gaps  # it backed off ...
    assert max(gaps) <= MAX_BACKOFF * 1.1 + 2.5, gaps  # ... within the cap
    assert not any("timed out" in line and "steady" in line for line in daemon.lines)

    for name in ("steady-a", "steady-b"):
        starts = farm.starts(name)
        steady_gaps = [b - a for a, b in pairwise(starts)]
        assert len(starts) >= 8
        assert max(steady_gaps) <= INTERVAL * 1.1 + 0.75, (name, steady_gaps)

    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT consecutive_failures, failures, next_poll_reason FROM sources "
            "WHERE name = 'flaky'"
        ).fetchone()
        stored = {url for (url,) in conn.execute("SELECT url FROM articles")}
        alerts = conn.execute(
            "SELECT channel, kind, shift_id, state, payload FROM alerts ORDER BY id"
        ).fetchall()
    assert row[0] == 0 and row[1] >= 3
    assert entry.link in stored
    assert [(a[0], a[1], a[2], a[3]) for a in alerts] == [("ops", "health", None, "sent")] * 2
    payloads = [json.loads(a[4]) for a in alerts]
    posted = [json.loads(r.body) for r in farm.server.requests if r.path == "/hook"]
    assert [p["health"]["condition"] for p in posted] == ["failing", "recovered"]
    assert [p["condition"] for p in payloads] == ["failing", "recovered"]
    assert all(p["subject"].startswith("[peacewatch] source flaky") for p in payloads)
    assert "failed 3 polls in a row" in payloads[0]["text"]
