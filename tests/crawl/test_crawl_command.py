"""`peacewatch crawl` end to end over the local news site: feeds with article pages,
listing and sitemap sources, through the CLI and into the database."""

from __future__ import annotations

from tests.conftest import write_config
from tests.crawl.testsite import TestSite
from tests.feeds import Entry, rss


def _config(site: TestSite, config_path, db_url, http_server) -> None:
    entries = [
        Entry(a.title, site.url(a.path), "A short summary.", a.published_at)
        for a in site.articles[:3]
    ]
    http_server.route("/feed.xml", lambda _r: _rss(entries))
    write_config(
        config_path,
        database=db_url,
        sources=[
            {"name": "feed", "url": http_server.url("/feed.xml"), "fetch_articles": True},
            {
                "name": "world",
                "kind": "listing",
                "url": site.url("/world/"),
                "link_pattern": r"/world/[a-z0-9-]+\.html$",
                "next_pattern": r"/world/page[0-9]+\.html$",
            },
            {"name": "news-sitemap", "kind": "sitemap", "url": site.url("/sitemap.xml")},
        ],
    )


def _rss(entries):
    from tests.servers import Response

    return Response(body=rss(entries), headers={"Content-Type": "application/rss+xml"})


def test_crawl_runs_feeds_and_spiders_together(site, http_server, cli, config_path, db_url):
    _config(site, config_path, db_url, http_server)
    result = cli("crawl", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["errors"] == []
    assert report["pages"] > 0
    assert report["new_articles"] > 3
    per = {row["source"]: row for row in report["by_source"]}
    assert per["feed"]["new_articles"] + per["feed"]["duplicates"] == 3
    assert per["world"]["entries"] > 0 and per["news-sitemap"]["entries"] > 0

    articles = cli("articles", "--json", "--with-text", "--limit", "100").json()
    by_url = {a["url"]: a for a in articles}
    for seed in site.articles[:2]:
        stored = by_url[site.url(seed.path)]
        assert stored["text_source"] == "page"
        assert len(stored["text"]) > 1000
        assert "0 Comments" not in stored["text"]
        assert stored["status"] == "stalled"
    assert "/world/secret-briefing.html" not in site.requested

    requested = len(site.requested)
    again = cli("crawl", "--json").json()
    assert again["new_articles"] == 0
    article_paths = {a.path for a in site.articles}
    repeated = [p for p in site.requested[requested:] if p in article_paths]
    assert repeated == []


def test_crawl_one_listing_source(site, http_server, cli, config_path, db_url):
    _config(site, config_path, db_url, http_server)
    report = cli("crawl", "--source", "world", "--json").json()
    assert report["sources"] == 1 and report["errors"] == []
    assert [row["source"] for row in report["by_source"]] == ["world"]
    assert http_server.hits("/feed.xml") == 0
    assert not site.requests_for("/sitemap")
