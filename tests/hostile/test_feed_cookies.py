"""A cookie one feed sets is never sent to another feed, nor back to itself.

Feed polls share one HTTP session. With a cookie jar in it, a tracking cookie set by
one source's server would ride along on every later poll, to that server and to any
other feed it shares a host with, linking the polls into one profile.
"""

from __future__ import annotations

from tests.conftest import write_config
from tests.feeds import rss, talks_entry
from tests.servers import Response


def test_feed_polls_carry_no_cookies(http_server, cli, config_path, db_url) -> None:
    # A redirect that sets a cookie: a jar would send it with the very next hop.
    moved = Response(302, b"", headers={"Location": "/feed.xml", "Set-Cookie": "track=abc; Path=/"})
    http_server.route("/moved.xml", moved)
    http_server.route("/feed.xml", Response(body=rss([talks_entry(1)])))
    write_config(
        config_path,
        database=db_url,
        sources=[{"name": "moved", "url": http_server.url("/moved.xml")}],
    )

    result = cli("crawl", "--json", "--no-alerts")

    assert result.exit_code == 0, result.stderr
    assert result.json()["errors"] == []
    assert [r.path for r in http_server.requests] == ["/moved.xml", "/feed.xml"]
    assert [r.headers.get("cookie") for r in http_server.requests] == [None, None]
