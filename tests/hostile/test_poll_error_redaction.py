"""A poll error quoting a URL with a credential is redacted where it is recorded, so the
crawl report, the stored source health and the health alerts built from it are clean."""

from __future__ import annotations

import sqlite3

from tests.conftest import write_config
from tests.servers import Response

SECRET = "Zk8-poll-apikey-Qw3"


def test_a_redirect_loop_error_does_not_quote_the_api_key(http_server, cli, config_path, db_url):
    loop = f"/loop.xml?apikey={SECRET}"
    http_server.route("/loop.xml", Response(302, b"", headers={"Location": loop}))
    write_config(
        config_path, database=db_url, sources=[{"name": "keyed", "url": http_server.url(loop)}]
    )

    result = cli("crawl", "--json", "--no-alerts")
    assert result.exit_code == 0, result.stderr
    (error,) = result.json()["errors"]
    assert "redirect loop" in error["error"] and "apikey=***" in error["error"]
    assert SECRET not in result.stdout + result.stderr

    db = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    (stored,) = db.execute("SELECT last_error FROM sources WHERE name = 'keyed'").fetchone()
    db.close()
    assert "redirect loop" in stored and SECRET not in stored
