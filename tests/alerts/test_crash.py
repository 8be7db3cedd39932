"""A delivery process killed with SIGKILL between sending and recording loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.store.db import make_engine, session_scope
from notifier.reports import list_alerts
from notifier.shifts.record import detect_and_record
from scheduler.database import open_database
from tests.alerts.conftest import ceasefire_articles, ingest

ROOT = Path(__file__).resolve().parents[2]


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args, "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sigkill_between_send_and_record_resends_with_the_same_key(tmp_path, receiver) -> None:
    db = tmp_path / "pw.db"
    config = tmp_path / "peacewatch.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n'
        f'[[channels]]\nname = "ops"\nkind = "webhook"\nurl = "{receiver.url}"\ntimeout = "60s"\n'
        '[alerts]\nlease = "1s"\n'
    )
    from scheduler.config import load_settings

    settings = load_settings(config)
    engine = open_database(settings.database.url)
    now = datetime.now(UTC)
    ingest(engine, ceasefire_articles(when=now - timedelta(minutes=5)))
    shifts = detect_and_record(engine, settings.topics, settings.alerts, settings.channels, now)
    assert [s.kind for s in shifts if s.suppressed is None] == ["decisive_status"]
    engine.dispose()

    # The receiver takes the request, then stalls: the sender is killed before it hears back.
    receiver.delay = 30
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "alerts", "deliver", "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert receiver.arrived.wait(30), "the alert never reached the receiver"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert [a["state"] for a in _outbox(db)] == ["pending"]

    receiver.delay = 0
    time.sleep(1.2)  # the dead worker's lease runs out
    done = _cli(config, "alerts", "deliver", "--json")
    assert json.loads(done.stdout)["sent"] == 1, done.stderr

    keys = [r.headers["x-peacewatch-delivery"] for r in receiver.requests]
    assert 1 <= len(keys) <= 2 and len(set(keys)) == 1
    outbox = _outbox(db)
    assert [(a["state"], a["idempotency_key"]) for a in outbox] == [("sent", keys[0])]
    assert [a["outcome"] for a in outbox[0]["delivery_attempts"]] == ["sent"]


def _outbox(db: Path) -> list[dict]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with session_scope(engine) as session:
            return list_alerts(session)
    finally:
        engine.dispose()
