"""The total time budget of a fetch is the server's: queueing for a slot does not count."""

from __future__ import annotations

from tests.conftest import write_config
from tests.feeds import rss, talks_entry
from tests.servers import Response


def test_feeds_queued_behind_the_per_host_limit_do_not_time_out(
    http_server, cli, config_path, db_url
):
    # Four feeds on one host, one request at a time, each answering in 0.8 s: the last
    # waits 2.4 s for its turn, past the 2-second budget, yet its server was quick.
    names = [f"slow{n}" for n in range(4)]
    for n, name in enumerate(names):
        http_server.route(f"/{name}.xml", Response(body=rss([talks_entry(n)]), delay=0.8))
    write_config(
        config_path,
        database=db_url,
        sources=[{"name": name, "url": http_server.url(f"/{name}.xml")} for name in names],
        sections={
            "network": {
                "allow_private": True,
                "per_host": 1,
                "read_timeout": 1.5,
                "total_timeout": 2,
            }
        },
    )
    result = cli("crawl", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["errors"] == []
    assert report["new_articles"] == 4
