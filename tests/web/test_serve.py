"""`peacewatch serve` as a user starts it: probes, a busy port, and the API's filters."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crawler.clock import utcnow
from notifier.web import create_app
from scheduler.database import open_database
from tests.conftest import write_config
from tests.web.support import LiveServer, dashboard_settings, populate

ROOT = Path(__file__).resolve().parents[2]


def _serve(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler", "serve", "--config", str(config), *args],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def served(tmp_path: Path, db_url: str) -> Iterator[str]:
    config = write_config(tmp_path / "peacewatch.toml", database=db_url)
    proc = _serve(config, "--port", "0")
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"dashboard on (http://127\.0\.0\.1:\d+)/", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_serve_answers_healthz_and_metrics(served: str) -> None:
    health = httpx.get(served + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    metrics = httpx.get(served + "/metrics", timeout=10)
    assert metrics.status_code == 200 and "peacewatch_articles_stored" in metrics.text


def test_serve_on_a_busy_port_is_one_error_and_no_dashboard_line(
    tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path / "peacewatch.toml", database=db_url)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = _serve(config, "--port", str(port))
        started = time.monotonic()
        stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert time.monotonic() - started < 30
    assert stderr.strip().splitlines() == [
        f"error: cannot serve on 127.0.0.1:{port}: Address already in use"
    ]
    assert stdout == ""


def test_api_refuses_an_unknown_status_with_the_allowed_ones(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'peacewatch.db'}")
    populate(engine, utcnow())
    with LiveServer(create_app(engine, dashboard_settings())) as server:
        bogus = httpx.get(server.url + "/api/articles", params={"status": "bogus"})
        stalled = httpx.get(server.url + "/api/articles", params={"status": "stalled"})
    assert bogus.status_code == 422
    message = bogus.json()["detail"][0]["msg"]
    assert "'stalled'" in message and "'ceasefire'" in message and "'agreement'" in message
    assert stalled.status_code == 200 and stalled.json()
    engine.dispose()
