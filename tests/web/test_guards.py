"""Token, CSRF and bind guards, the re-queue action and the `serve` command."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from crawler.clock import utcnow
from crawler.store.db import session_scope
from notifier.alerts.outbox import RequeueError, requeue_alert
from notifier.tables import Alert
from notifier.web import BindError, check_bind, create_app
from notifier.web.security import CSRF_COOKIE, CSRF_FIELD
from scheduler.cli import app as cli
from tests.web.support import LiveServer, Seeded, dashboard_settings

REPO = Path(__file__).resolve().parents[2]


def _alert(seeded: Seeded, alert_id: int) -> Alert:
    with session_scope(seeded.engine) as session:
        return session.get(Alert, alert_id)


def test_requeue_keeps_attempts_and_makes_the_alert_due(seeded: Seeded) -> None:
    now = utcnow()
    with session_scope(seeded.engine) as session:
        requeue_alert(session, seeded.dead_alert, now=now)
    alert = _alert(seeded, seeded.dead_alert)
    assert (alert.state, alert.attempts, alert.next_attempt_at) == ("pending", 9, now)
    with session_scope(seeded.engine) as session, pytest.raises(RequeueError, match="is sent"):
        requeue_alert(session, seeded.sent_alert)
    with session_scope(seeded.engine) as session, pytest.raises(RequeueError, match="not exist"):
        requeue_alert(session, 12345)


def _csrf(client: httpx.Client, url: str) -> str:
    client.get(url + "/operations")
    return client.cookies[CSRF_COOKIE]


def test_requeue_post_needs_the_csrf_token(live: LiveServer, seeded: Seeded) -> None:
    action = f"{live.url}/operations/alerts/{seeded.dead_alert}/requeue"
    with httpx.Client() as client:
        token = _csrf(client, live.url)
        missing = client.post(action, data={})
        forged = client.post(action, data={CSRF_FIELD: "x" * 43})
        elsewhere = client.post(
            action, data={CSRF_FIELD: token}, headers={"Origin": "https://evil.example"}
        )
        assert all(r.status_code == 303 for r in (missing, forged, elsewhere))
        assert all(r.headers["location"] == "/operations?error=csrf" for r in (missing, forged))
        assert _alert(seeded, seeded.dead_alert).state == "dead"
        ok = client.post(action, data={CSRF_FIELD: token}, headers={"Origin": live.url})
        assert ok.headers["location"] == f"/operations?requeued={seeded.dead_alert}"
        assert _alert(seeded, seeded.dead_alert).state == "pending"
        again = client.post(action, data={CSRF_FIELD: token})
        assert again.headers["location"] == "/operations?error=state"
    # a stranger's page cannot post without the cookie
    with httpx.Client() as stranger:
        response = stranger.post(action, data={CSRF_FIELD: token})
        assert response.headers["location"] == "/operations?error=csrf"


def test_only_the_requeue_action_writes(live: LiveServer) -> None:
    for path in ("/", "/articles", "/api/alerts", "/shifts.atom"):
        assert httpx.post(live.url + path).status_code == 405
    assert httpx.delete(live.url + "/api/shifts").status_code == 405


def test_token_is_required_when_set(seeded: Seeded) -> None:
    app = create_app(seeded.engine, dashboard_settings(token="s3cret"), open_paths=["/open"])
    with LiveServer(app) as server:
        denied = httpx.get(server.url + "/api/status")
        assert denied.status_code == 401 and "content-security-policy" in denied.headers
        assert httpx.get(server.url + "/", params={"token": "wrong"}).status_code == 401
        bearer = httpx.get(server.url + "/api/status", headers={"Authorization": "Bearer s3cret"})
        assert bearer.status_code == 200
        with httpx.Client() as browser:
            first = browser.get(server.url + "/", params={"token": "s3cret"})
            assert first.status_code == 200
            assert "s3cret" not in browser.cookies.get("peacewatch_session", "")
            assert browser.get(server.url + "/articles").status_code == 200
        assert httpx.get(server.url + "/open").status_code == 404  # open, but nothing there


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_binds_need_no_token(host: str) -> None:
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_other_binds_need_a_token(host: str) -> None:
    with pytest.raises(BindError, match=r"\[web\] token"):
        check_bind(host, None)
    check_bind(host, "t0ken")


def test_serve_refuses_a_public_bind_without_token(tmp_path: Path) -> None:
    config = tmp_path / "peacewatch.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "pw.db"}"\n')
    result = CliRunner().invoke(cli, ["serve", "--config", str(config), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "needs [web] token" in result.output and "Traceback" not in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_command_serves_the_dashboard(tmp_path: Path) -> None:
    config = tmp_path / "peacewatch.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "pw.db"}"\n')
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "serve", "--config", str(config), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(process.stderr.read().decode()) from None
                time.sleep(0.1)
        assert response.status_code == 200
        assert "No shift detected yet" in response.text
        assert "Content-Security-Policy" in response.headers
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"http://127.0.0.1:{port}/" in process.stderr.read().decode()


def test_dead_alert_listed_before_requeue_is_due_now(seeded: Seeded) -> None:
    before = utcnow()
    with session_scope(seeded.engine) as session:
        requeue_alert(session, seeded.dead_alert)
    alert = _alert(seeded, seeded.dead_alert)
    assert before <= alert.next_attempt_at <= utcnow() + timedelta(seconds=1)
