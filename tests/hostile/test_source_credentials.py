"""Credentials in a source's URL are never shown: not by `sources --json`, `/api/sources`,
the operations page, nor the daemon's log lines.

A feed URL may carry `user:pass@` or a key in its query (`?apikey=…`, `&token=…`).
Whatever shows a source URL, or an error quoting one, shows it redacted: the
userinfo and the values of secret-named parameters become `***`, the rest stays.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crawler.fetch.urls import redact_text, redact_url
from notifier.web import create_app
from scheduler.config import load_settings
from scheduler.daemon.logs import JsonFormatter, TextFormatter
from scheduler.database import open_database
from tests.conftest import CLI, write_config
from tests.feeds import Entry, rss
from tests.servers import LocalHTTPServer, Response

SECRETS = ("feedpa55", "K3y-a1", "T0k-b2", "K3y-c3", "T0k-d4", "K3y-e5", "S3c-f6", "Pw-g7")
QUERY = (
    "apikey=K3y-a1&Token=T0k-b2&lang=en&api_key=K3y-c3&access_token=T0k-d4&KEY=K3y-e5"
    "&secret=S3c-f6&Password=Pw-g7&page=2"
)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://example.org/rss.xml", "https://example.org/rss.xml"),
        ("https://user:pa55@example.org/rss", "https://***@example.org/rss"),
        ("https://t0ken@example.org/rss", "https://***@example.org/rss"),
        (
            "https://example.org/rss?apikey=abc&lang=en&APIKEY=def",
            "https://example.org/rss?apikey=***&lang=en&APIKEY=***",
        ),
        (
            "https://example.org/f?api_key=1&access_token=2&key=3&secret=4&password=5&q=talks",
            "https://example.org/f?api_key=***&access_token=***&key=***&secret=***"
            "&password=***&q=talks",
        ),
        (
            "https://example.org/f?X-Amz-Signature=abc&auth_token=d&client_secret=e&keys=f",
            "https://example.org/f?X-Amz-Signature=***&auth_token=***&client_secret=***&keys=f",
        ),
        ("https://example.org/f#access_token=abc", "https://example.org/f#access_token=***"),
        ("https://example.org/f?token=&x=1", "https://example.org/f?token=&x=1"),
        ("https://u:p@[::1]:8080/f?token=t", "https://***@[::1]:8080/f?token=***"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_text_finds_every_url_in_an_error() -> None:
    error = "redirect loop at http://a:b@example.org/f?token=t9 (from https://x.org/?key=k2)"
    assert redact_text(error) == (
        "redirect loop at http://***@example.org/f?token=*** (from https://x.org/?key=***)"
    )


def _assert_clean(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} shown in {where}"


def test_source_credentials_are_never_shown(tmp_path: Path) -> None:
    server = LocalHTTPServer().start()
    try:
        entry = Entry("Talks in Geneva", "https://wire.example.org/geneva.html", "Talks.")
        server.route("/feed.xml", Response(body=rss([entry])))
        # a redirect to itself: the error quotes the URL, key and all
        server.route("/loop.xml", Response(302, headers={"Location": f"/loop.xml?{QUERY}"}))
        base = server.base
        userinfo = base.replace("http://", "http://feeduser:feedpa55@")
        config = write_config(
            tmp_path / "pw.toml",
            database=f"sqlite:///{tmp_path / 'pw.db'}",
            sources=[
                {"name": "keyed", "url": f"{base}/feed.xml?{QUERY}"},
                {"name": "loop", "url": f"{base}/loop.xml?{QUERY}"},
                {"name": "login", "url": f"{userinfo}/feed.xml"},
                {"name": "idle", "url": f"{userinfo}/idle.xml?{QUERY}", "enabled": False},
            ],
        )
        cli = CLI(config)
        before = cli("sources", "--json")  # nothing polled yet: rows from the config
        _assert_clean("sources --json before a crawl", before.stdout)
        assert "idle.xml?apikey=***&Token=***&lang=en" in before.stdout

        crawl = cli("crawl", "--json", "--no-alerts")
        assert crawl.exit_code == 0, crawl.stderr

        after = cli("sources", "--json")
        _assert_clean("sources --json", after.stdout)
        rows = {row["name"]: row for row in after.json()}
        assert rows["keyed"]["url"] == f"{base}/feed.xml?" + (
            "apikey=***&Token=***&lang=en&api_key=***&access_token=***&KEY=***"
            "&secret=***&Password=***&page=2"
        )
        assert rows["login"]["url"] == base.replace("http://", "http://***@") + "/feed.xml"
        assert "redirect loop" in (rows["loop"]["last_error"] or "")

        settings = load_settings(config)
        engine = open_database(settings.database.url)
        with TestClient(create_app(engine, settings), base_url="http://localhost") as client:
            api = client.get("/api/sources")
            assert api.status_code == 200
            _assert_clean("/api/sources", api.text)
            shown = {row["name"]: row["url"] for row in api.json()}
            assert shown["keyed"] == rows["keyed"]["url"]
            assert shown["login"] == rows["login"]["url"]
            page = client.get("/operations")
            assert page.status_code == 200
            _assert_clean("/operations", page.text)
        engine.dispose()
    finally:
        server.stop()


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()])
def test_log_lines_show_source_urls_redacted(formatter: logging.Formatter) -> None:
    record = logging.makeLogRecord(
        {
            "msg": f"poll loop failed: redirect loop at http://u:feedpa55@h.example/f?{QUERY}",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "fields": {"error": f"redirect loop at http://h.example/f?{QUERY}", "n": 2},
        }
    )
    line = formatter.format(record)
    _assert_clean("a log line", line)
    assert "http://***@h.example/f?apikey=***" in line
    if isinstance(formatter, JsonFormatter):
        assert json.loads(line)["n"] == 2
