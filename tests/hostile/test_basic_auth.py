"""A source URL with `user:pass@` is fetched with HTTP basic auth (issue 18).

It used to fail every poll: httpx made an Authorization header from the URL and the
aiohttp transport refused a URL that still carried the credentials. The credentials
now go in the header, to that origin only: a redirect to another host gets none.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from tests.conftest import write_config
from tests.feeds import rss, talks_entry
from tests.servers import LocalHTTPServer, Request, Response

USER, PASSWORD = "reader", "s3cr:t pass"  # a colon and a space, percent-escaped in the URL
EXPECTED = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.fixture
def elsewhere() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    yield server
    server.stop()


def _guarded(body: bytes):  # type: ignore[no-untyped-def]
    def handler(request: Request) -> Response:
        if request.headers.get("authorization") != EXPECTED:
            return Response(401, b"", headers={"WWW-Authenticate": 'Basic realm="feeds"'})
        return Response(body=body, headers={"Content-Type": "application/rss+xml"})

    return handler


def test_a_feed_behind_basic_auth_is_fetched_and_the_password_never_shown(
    http_server, elsewhere, cli, config_path, db_url
) -> None:
    http_server.route("/private.xml", _guarded(rss([talks_entry(1)])))
    # A same-origin redirect keeps the credentials; one to another origin drops them.
    http_server.route("/moved.xml", Response(301, b"", headers={"Location": "/private.xml"}))
    http_server.route("/away.xml", Response(302, b"", headers={"Location": elsewhere.url("/x")}))
    elsewhere.route("/x", Response(body=rss([talks_entry(2)])))
    base = http_server.base.replace("http://", f"http://{USER}:s3cr%3At%20pass@")
    write_config(
        config_path,
        database=db_url,
        sources=[
            {"name": "private", "url": f"{base}/private.xml"},
            {"name": "moved", "url": f"{base}/moved.xml"},
            {"name": "away", "url": f"{base}/away.xml"},
        ],
    )

    result = cli("crawl", "--json", "--no-alerts")

    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["errors"] == []
    assert {s["source"]: s["entries"] for s in report["by_source"]} == {
        "private": 1,
        "moved": 1,
        "away": 1,
    }
    sent = {r.path: r.headers.get("authorization") for r in http_server.requests}
    assert sent == {"/private.xml": EXPECTED, "/moved.xml": EXPECTED, "/away.xml": EXPECTED}
    assert [r.headers.get("authorization") for r in elsewhere.requests] == [None]
    assert "s3cr" not in result.stdout + result.stderr
