"""Secrets stay secret: the SMTP password, the webhook secret and the LLM API key never
appear in logs, in errors (`crawl --json`, `alerts --json`, `alerts test --json`,
`sources --json`) or on the dashboard, however the receiving end fails or answers.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from crawler.clock import utcnow
from crawler.settings import ClassifierSettings
from crawler.status.llm import LLMClassifier
from crawler.status.rules import classify
from notifier.web import create_app
from scheduler.config import load_settings
from scheduler.database import open_database
from tests.alerts.conftest import ceasefire_articles, ingest, smtp
from tests.conftest import CLI, write_config
from tests.servers import LocalHTTPServer, Request, Response

__all__ = ["smtp"]

SMTP_PASSWORD = "smtp-pa55-Zq9Xw"
WEBHOOK_SECRET = "hook-s3cret-Kv7Ld"
API_KEY = "sk-llm-key-Pm3Rt8"
SECRETS = (SMTP_PASSWORD, WEBHOOK_SECRET, API_KEY)


def _echo(request: Request) -> Response:
    """A hostile receiver: it answers 500 and quotes every header it was sent."""
    quoted = "; ".join(f"{k}: {v}" for k, v in request.headers.items())
    return Response(500, quoted.encode(), headers={"Content-Type": "text/plain"})


def _assert_clean(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} in {where}"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("PW_TEST_HOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("PW_TEST_LLM_KEY", API_KEY)


def test_secrets_never_reach_logs_errors_or_the_dashboard(
    env: None,
    smtp,  # type: ignore[no-untyped-def]
    server: LocalHTTPServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, _ = smtp  # no AUTH offered: the login fails, and says why
    server.route("/hook", _echo)
    server.route("/feed.xml", _echo)
    config = write_config(
        tmp_path / "peacewatch.toml",
        database=f"sqlite:///{tmp_path / 'pw.db'}",
        sources=[{"name": "feed", "url": server.url("/feed.xml")}],
        channels=[
            {
                "name": "ops",
                "kind": "webhook",
                "url": server.url("/hook"),
                "secret": "${PW_TEST_HOOK_SECRET}",
            },
            {
                "name": "desk",
                "kind": "email",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "username": "peacewatch",
                "password_env": "PW_TEST_SMTP_PASSWORD",
                "from": "peacewatch@example.org",
                "to": ["desk@example.org"],
            },
        ],
    )
    settings = load_settings(config)
    engine = open_database(settings.database.url)
    ingest(engine, ceasefire_articles(when=utcnow()))  # a shift for `crawl` to alert
    cli = CLI(config)
    caplog.set_level(logging.DEBUG)

    outputs = {
        "alerts test": cli("alerts", "test", "--json"),
        "crawl": cli("crawl", "--json"),
        "alerts deliver": cli("alerts", "deliver", "--json"),
        "alerts": cli("alerts", "--json"),
        "sources": cli("sources", "--json"),
    }
    tested = outputs["alerts test"].json()
    assert [r["ok"] for r in tested] == [False, False]  # both failed, and said why
    assert any("500" in str(r["error"]) for r in tested)
    alerts = outputs["alerts"].json()
    assert alerts and all(a["last_error"] for a in alerts)
    for name, result in outputs.items():
        _assert_clean(f"{name} stdout", result.stdout)
        _assert_clean(f"{name} stderr", result.stderr)
    client = TestClient(create_app(engine, settings), base_url="http://localhost")
    for path in ("/", "/operations", "/articles", "/api/alerts", "/api/sources", "/shifts.atom"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        _assert_clean(path, page.text)
    _assert_clean("logs", caplog.text)


@pytest.mark.parametrize(
    "answer",
    [
        Response(401, b'{"error": "bad key"}'),
        Response(200, b"not json at all"),
        Response(200, b'{"choices": [{"message": {"content": "{\\"status\\": \\"bogus\\"}"}}]}'),
    ],
    ids=["401", "garbage", "bad-answer"],
)
def test_llm_key_is_sent_only_as_a_header_and_never_logged(
    env: None,
    server: LocalHTTPServer,
    answer: Response,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = server.route("/v1/chat/completions", lambda _r: answer)
    settings = ClassifierSettings(
        backend="llm",
        base_url=url.removesuffix("/chat/completions"),
        model="m",
        api_key_env="PW_TEST_LLM_KEY",
        timeout="5s",
    )
    caplog.set_level(logging.DEBUG)
    with httpx.Client() as client:
        verdict = LLMClassifier(settings, classify, client)("Talks stall", "No breakthrough.")
    assert verdict == classify("Talks stall", "No breakthrough.")  # the rules decided
    [request] = server.requests
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in request.path and API_KEY.encode() not in request.body
    _assert_clean("logs", caplog.text)
