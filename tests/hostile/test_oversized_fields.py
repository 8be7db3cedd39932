"""Oversized fields from a feed: bounded at ingest, and what was cut is reported."""

from __future__ import annotations

from crawler.model import ARTICLE_LIMITS
from tests.conftest import write_config
from tests.feeds import Entry, rss
from tests.servers import Response


def test_a_one_megabyte_title_is_cut_to_its_limit_and_reported(
    http_server, cli, config_path, db_url
):
    title = "Ukraine Russia peace talks " + "x" * (1024 * 1024)
    summary = "Kyiv and Moscow negotiators met for talks. " + "y" * (2 * 1024 * 1024)
    body = rss([Entry(title, "https://news.example.org/huge.html", summary)])
    http_server.route(
        "/huge.xml", Response(body=body, headers={"Content-Type": "application/rss+xml"})
    )
    write_config(
        config_path,
        database=db_url,
        sources=[{"name": "huge", "url": http_server.url("/huge.xml")}],
        sections={"network": {"allow_private": True, "max_bytes": 16 * 1024 * 1024}},
    )

    result = cli("crawl", "--json", "--no-alerts")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["errors"] == []
    assert report["new_articles"] == 1
    warnings = [w for w in report["warnings"] if w["source"] == "huge"]
    assert warnings and "title" in warnings[0]["warning"] and "summary" in warnings[0]["warning"]

    (article,) = cli("articles", "--json", "--with-text").json()
    assert len(article["title"]) <= ARTICLE_LIMITS["title"]
    assert article["title"].startswith("Ukraine Russia peace talks xxx")
    assert len(article["text"]) <= ARTICLE_LIMITS["summary"]
    assert len(result.stdout) < 200_000
