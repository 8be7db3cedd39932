"""The `[web] token`: any bytes a client sends are compared, never crash the guard; a
non-ASCII token works; a blank one is no token.

Tokens are compared as UTF-8 bytes: a header carries the bytes the client sent, a
query string percent-encodes them. A wrong token, ASCII or not, is a 401.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from notifier.web import BindError, check_bind, create_app
from notifier.web.security import TOKEN_COOKIE
from scheduler.cli import app as cli
from tests.web.support import LiveServer, Seeded, dashboard_settings

ASCII_TOKEN = "s3cret"
UNICODE_TOKEN = "пароль-tökén-密码"


def _bearer(token: str) -> dict[str, bytes]:
    return {"Authorization": b"Bearer " + token.encode("utf-8")}


@pytest.mark.parametrize("wrong", ["tökén", "пароль", "密码", "s3cret\u00e9", "\u2028"])
def test_a_wrong_non_ascii_token_is_refused_not_a_crash(seeded: Seeded, wrong: str) -> None:
    app = create_app(seeded.engine, dashboard_settings(token=ASCII_TOKEN))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        by_header = client.get("/api/status", headers=_bearer(wrong))
        by_query = client.get("/", params={"token": wrong})
        by_cookie = client.get(
            "/api/status", headers={"Cookie": f"{TOKEN_COOKIE}=".encode() + wrong.encode()}
        )
        for response in (by_header, by_query, by_cookie):
            assert response.status_code == 401, response.text
            assert "Traceback" not in response.text
        assert client.get("/api/status", headers=_bearer(ASCII_TOKEN)).status_code == 200


def test_a_non_ascii_configured_token_works(seeded: Seeded) -> None:
    app = create_app(seeded.engine, dashboard_settings(token=UNICODE_TOKEN))
    with LiveServer(app) as server:
        assert httpx.get(server.url + "/api/status").status_code == 401
        bearer = httpx.get(server.url + "/api/status", headers=_bearer(UNICODE_TOKEN))
        assert bearer.status_code == 200
        assert httpx.get(server.url + "/api/status", headers=_bearer("пароль")).status_code == 401
        with httpx.Client(base_url=server.url) as browser:
            first = browser.get("/", params={"token": UNICODE_TOKEN})
            assert first.status_code == 200
            assert browser.cookies.get(TOKEN_COOKIE)  # the session cookie, then no token
            assert browser.get("/articles").status_code == 200
            assert browser.get("/api/status").status_code == 200
        wrong = httpx.get(server.url + "/", params={"token": UNICODE_TOKEN[:-1]})
        assert wrong.status_code == 401


@pytest.mark.parametrize("blank", ["", " ", "   ", "\t", "\n", " \t\r\n "])
def test_a_blank_token_is_no_token_beyond_loopback(blank: str) -> None:
    with pytest.raises(BindError, match=r"\[web\] token"):
        check_bind("0.0.0.0", blank)
    check_bind("127.0.0.1", blank)


def test_serve_refuses_a_public_bind_with_a_blank_token(tmp_path: Path) -> None:
    config = tmp_path / "peacewatch.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "pw.db"}"\n\n[web]\ntoken = "   "\n'
    )
    result = CliRunner().invoke(cli, ["serve", "--config", str(config), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "needs [web] token" in result.output and "Traceback" not in result.output
