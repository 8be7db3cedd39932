"""Listing and sitemap sources crawled against a real local site."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

from crawler.settings import NetworkSettings, SourceSettings, TopicSettings
from crawler.sources.sites import SiteCrawl, crawl_site
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from crawler.store.migrate import open_database
from tests.crawl.conftest import Store
from tests.crawl.testsite import COMMON_BOILERPLATE, TestSite


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _paths(crawl: SiteCrawl) -> set[str]:
    return {re.sub(r"^https?://[^/]+", "", c.url) for c in crawl.candidates}


async def test_listing_walks_pagination_and_fetches_linked_articles(
    site: TestSite, listing: SourceSettings, network: NetworkSettings, store: Store
) -> None:
    crawl = await crawl_site(listing, network, known_urls=store.known, since=None)

    assert crawl.error is None
    assert _paths(crawl) == {a.path for a in site.listed}
    assert {"/world/", "/world/page2.html", "/world/page3.html"} <= set(site.requested)
    assert crawl.pages == 3 + len(site.listed)
    for candidate in crawl.candidates:
        assert candidate.source == "example-world"
        assert candidate.topic == "russia-ukraine-talks"
        assert candidate.text_source == "page" and candidate.extract_error is None
        assert candidate.title == site.article_at(candidate.url).title
    assert site.agents == {network.agent}


async def test_robots_txt_disallowed_path_is_never_requested(
    site: TestSite, listing: SourceSettings, network: NetworkSettings, store: Store
) -> None:
    crawl = await crawl_site(listing, network, known_urls=store.known, since=None)

    assert "/robots.txt" in site.requested
    assert site.requests_for("/world/secret-") == []
    assert "robots.txt" in crawl.failed[site.url("/world/secret-briefing.html")]


async def test_every_fixture_article_reads_as_its_body_without_boilerplate(
    site: TestSite,
    listing: SourceSettings,
    sitemap: SourceSettings,
    network: NetworkSettings,
    store: Store,
) -> None:
    crawls = [
        await crawl_site(source, network, known_urls=store.known, since=None)
        for source in (listing, sitemap)
    ]
    texts = {c.url: c.text or "" for crawl in crawls for c in crawl.candidates}
    assert {site.article_at(url).slug for url in texts} == {a.slug for a in site.articles}
    for url, text in texts.items():
        article = site.article_at(url)
        for paragraph in article.paragraphs:
            assert _norm(paragraph) in _norm(text), (article.slug, paragraph[:50])
        for line in [*article.boilerplate, *COMMON_BOILERPLATE, *article.subheads[:0]]:
            assert line not in text, (article.slug, line)


async def test_news_sitemap_fetches_only_entries_newer_than_the_last_crawl(
    site: TestSite, sitemap: SourceSettings, network: NetworkSettings, store: Store
) -> None:
    since = datetime(2025, 11, 12, tzinfo=UTC)
    crawl = await crawl_site(sitemap, network, known_urls=store.known, since=since)

    assert crawl.error is None
    newer = [a for a in site.sitemapped if a.published_at > since]
    assert _paths(crawl) == {a.path for a in newer}
    assert set(site.requests_for("/world/")) == {a.path for a in newer}
    assert "/sitemaps/archive.xml" not in site.requested  # its lastmod is before `since`
    (candidate,) = crawl.candidates
    assert candidate.title == newer[0].title  # news:title
    assert candidate.published == newer[0].published_at  # news:publication_date


async def test_second_crawl_requests_no_article_already_stored(
    tmp_path: Path, site: TestSite, listing: SourceSettings, network: NetworkSettings
) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'pw.db'}")
    ingestor = Ingestor([TopicSettings()])

    def known(urls: list[str]) -> set[str]:
        with session_scope(engine) as session:
            return ingestor.known_urls(session, urls)

    first = await crawl_site(listing, network, known_urls=known, since=None)
    with session_scope(engine) as session:
        report = ingestor.ingest(session, first.candidates)
    assert report.new_articles + report.near_duplicates >= 1
    stored = {c.url for c in first.candidates if known([c.url])}
    assert stored, "the relevant fixture articles were stored"
    before = len(site.requested)

    second = await crawl_site(listing, network, known_urls=known, since=None)

    again = site.requested[before:]
    assert not {site.url(p) for p in again} & stored
    assert {c.url for c in second.candidates}.isdisjoint(stored)


async def test_three_crawls_in_a_row_in_one_running_loop(
    site: TestSite, listing: SourceSettings, network: NetworkSettings
) -> None:
    results = []
    for _ in range(3):
        results.append(await crawl_site(listing, network, known_urls=lambda u: set(), since=None))
    assert [len(r.candidates) for r in results] == [len(site.listed)] * 3
    assert all(r.error is None for r in results)


async def test_spider_raising_in_parse_is_that_sources_error_while_others_finish(
    site: TestSite,
    listing: SourceSettings,
    sitemap: SourceSettings,
    network: NetworkSettings,
    store: Store,
) -> None:
    broken = SourceSettings(
        name="broken", kind="listing", url=site.url("/world/"), link_xpath="//a[@href"
    )
    results = await asyncio.gather(
        *(
            crawl_site(source, network, known_urls=store.known, since=None)
            for source in (broken, listing, sitemap)
        )
    )
    bad, good_listing, good_sitemap = results
    assert bad.error is not None and "while parsing" in bad.error
    assert bad.candidates == []
    assert good_listing.error is None and len(good_listing.candidates) == len(site.listed)
    assert good_sitemap.error is None and len(good_sitemap.candidates) == len(site.sitemapped)


async def test_garbage_sitemap_is_that_sources_error(
    site: TestSite, network: NetworkSettings, store: Store
) -> None:
    site.add("/garbage.xml", "\x00\x01 this is <not xml", "application/xml")
    site.add("/dtd.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><urlset/>')
    for path, reason in (("/garbage.xml", "not XML"), ("/dtd.xml", "DTD"), ("/world/", "not")):
        source = SourceSettings(name="junk", kind="sitemap", url=site.url(path))
        crawl = await crawl_site(source, network, known_urls=store.known, since=None)
        assert crawl.error is not None and reason in crawl.error
        assert crawl.candidates == []


async def test_unreachable_start_page_is_reported(network: NetworkSettings, store: Store) -> None:
    source = SourceSettings(
        name="gone", kind="listing", url="http://127.0.0.1:9/world/", link_pattern="x"
    )
    crawl = await crawl_site(source, network, known_urls=store.known, since=None)
    assert crawl.error is not None and "127.0.0.1:9/world/" in crawl.error


async def test_spider_past_its_time_budget_is_stopped_and_reported(
    site: TestSite, listing: SourceSettings, network: NetworkSettings, store: Store
) -> None:
    site.delays["/world/page2.html"] = 5
    loop = asyncio.get_running_loop()
    started = loop.time()
    crawl = await crawl_site(listing, network, known_urls=store.known, since=None, time_budget=1)
    assert loop.time() - started < 4.5
    assert crawl.error is not None and "time budget" in crawl.error


async def test_page_budget_limits_listing_pages(
    site: TestSite, listing: SourceSettings, network: NetworkSettings, store: Store
) -> None:
    small = listing.model_copy(update={"max_pages": 2})
    await crawl_site(small, network, known_urls=store.known, since=None)
    assert "/world/page2.html" in site.requested
    assert "/world/page3.html" not in site.requested


async def test_links_to_private_addresses_are_refused_without_allow_private(
    site: TestSite, listing: SourceSettings, store: Store
) -> None:
    crawl = await crawl_site(
        listing, NetworkSettings(allow_private=False), known_urls=store.known, since=None
    )
    assert "/world/" in site.requested  # the configured source URL is trusted
    assert site.requests_for("/world/") == ["/world/"]  # no linked article was requested
    assert crawl.candidates == []
    refused = set(crawl.failed.values())
    assert refused and all("private address" in reason for reason in refused)
