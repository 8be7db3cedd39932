"""Feeds over HTTPS: certificates are checked, and the roots trusted are the ones the
environment names (`SSL_CERT_FILE`), else certifi's, as for the notifier's webhooks.

Each crawl runs in its own `peacewatch` process, as a user runs it: the verifying
context is made once a process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import write_config
from tests.feeds import Entry, rss
from tests.servers import Response, self_signed_server

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")

ROOT = Path(__file__).resolve().parents[2]


def _crawl(config: Path, **env: str) -> dict:
    outside = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "crawl", "--json", "--config", str(config)],
        env={**outside, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_feed_behind_a_certificate_nobody_trusts_is_refused_until_the_environment_trusts_it(
    tmp_path: Path,
) -> None:
    server, cert = self_signed_server(tmp_path)
    try:
        entry = Entry(
            "Russia and Ukraine agree to resume peace talks in Istanbul",
            "https://news.example.org/world/istanbul-talks",
            "Delegations will meet next week, officials said.",
        )
        url = server.route(
            "/feed.xml",
            Response(body=rss([entry]), headers={"Content-Type": "application/rss+xml"}),
        )
        database = tmp_path / "peacewatch.db"
        config = write_config(
            tmp_path / "peacewatch.toml",
            database=f"sqlite:///{database}",
            sources=[{"name": "secure", "url": url}],
        )

        refused = _crawl(config)
        assert refused["new_articles"] == 0
        assert [e["source"] for e in refused["errors"]] == ["secure"]
        assert "certificate" in refused["errors"][0]["error"].lower(), refused["errors"]

        trusted = _crawl(config, SSL_CERT_FILE=str(cert))
        assert trusted["errors"] == [] and trusted["new_articles"] == 1, trusted
    finally:
        server.stop()
    with create_engine(f"sqlite:///{database}").connect() as connection:
        titles = connection.execute(text("SELECT title FROM articles")).scalars().all()
    assert titles == [entry.title]
