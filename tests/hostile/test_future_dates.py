"""Feed items dated in the future: clamped to the fetch time and flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import write_config
from tests.feeds import Entry, rss
from tests.servers import Response


def test_an_item_dated_in_the_future_is_clamped_to_the_fetch_time(
    http_server, cli, config_path, db_url
):
    now = datetime.now(UTC)
    entries = [
        Entry(
            "Ukraine and Russia peace talks: a date from 2099",
            "https://news.example.org/future.html",
            "Kyiv and Moscow negotiators met for talks on a ceasefire.",
            datetime(2099, 1, 1, tzinfo=UTC),
        ),
        Entry(
            "Ukraine and Russia hold a second round of peace talks",
            "https://other.example.net/past.html",
            "Delegations from Kyiv and Moscow met again in Istanbul for negotiations.",
            now - timedelta(hours=1),
        ),
    ]
    http_server.route(
        "/f.xml", Response(body=rss(entries), headers={"Content-Type": "application/rss+xml"})
    )
    write_config(
        config_path, database=db_url, sources=[{"name": "f", "url": http_server.url("/f.xml")}]
    )

    report = cli("crawl", "--json", "--no-alerts").json()
    assert report["new_articles"] == 2
    assert any("future" in w["warning"] for w in report["warnings"] if w["source"] == "f")

    articles = cli("articles", "--json").json()
    by_url = {a["url"]: a for a in articles}
    future = by_url["https://news.example.org/future.html"]
    fetched = datetime.fromisoformat(future["fetched"])
    assert datetime.fromisoformat(future["published"]) == fetched
    assert future["published_estimated"] is True
    past = by_url["https://other.example.net/past.html"]
    assert past["published_estimated"] is False
    # newest first: the clamped item is not pinned above a later one forever
    assert datetime.fromisoformat(future["published"]) <= datetime.now(UTC)
