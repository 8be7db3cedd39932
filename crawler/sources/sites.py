"""Running spiders for the rest of peacewatch: article pages, listing and sitemap sources.

Each call runs one spider through Scrapy's `AsyncCrawlerRunner` on the shared event
loop (`crawler.runtime.loop.ensure_reactor`) and returns what it found as ingest
`Candidate`s. A spider that raises, is fed garbage or overruns its time budget ends
alone: its failure comes back as `SiteCrawl.error`, never as an exception, so the
caller's other sources go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.extract.article import ExtractedPage
from crawler.model import AnalysisSpec, Candidate, PollResult
from crawler.runtime.loop import ensure_reactor
from crawler.settings import DEFAULT_TOPIC_NAME, NetworkSettings, SourceSettings
from crawler.sources import SourceRun
from crawler.sources.scrapy_settings import (
    ARTICLE_TIME_BUDGET,
    SITE_TIME_BUDGET,
    STOP_GRACE,
    spider_settings,
)
from crawler.sources.spiders import ArticleSpider, ListingSpider, NewsSitemapSpider
from crawler.sources.spiders.base import KnownURLs

OnPage = Callable[[], None]
Analysis = Callable[[str], AnalysisSpec | None]
"""Per topic, what the extraction worker should work out for ingest (or None)."""

# Spider errors are reported in SiteCrawl.error; without a handler of its own,
# Scrapy's logging would reach Python's last-resort handler and print tracebacks.
logging.getLogger("scrapy").addHandler(logging.NullHandler())


@dataclass
class SiteCrawl:
    """What one crawl of a listing or sitemap source found."""

    candidates: list[Candidate] = field(default_factory=list)
    pages: int = 0
    error: str | None = None
    failed: dict[str, str] = field(default_factory=dict)
    """Article URLs that could not be fetched, with the reason."""


class _Collector:
    """Receives a crawler's signals (held strongly: Scrapy keeps weak references)."""

    def __init__(
        self, on_page: OnPage | None, on_item: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.on_page = on_page
        self.on_item = on_item
        self.items: list[dict[str, Any]] = []
        self.pages = 0
        self.errors: list[str] = []
        self.reason: str | None = None

    def item_scraped(self, item: dict[str, Any]) -> None:
        if self.on_item is None:
            self.items.append(item)
        else:
            self.on_item(item)

    def response_received(self, response: Response, request: Request) -> None:
        if request.url.endswith("/robots.txt"):
            return
        self.pages += 1
        if self.on_page is not None:
            with contextlib.suppress(Exception):
                self.on_page()

    def spider_error(self, failure: Failure, response: Response) -> None:
        exc = failure.value
        self.errors.append(f"{type(exc).__name__} while parsing {response.url}: {exc}")

    def spider_closed(self, reason: str) -> None:
        self.reason = reason


async def _run_spider(
    spidercls: type[Spider],
    network: NetworkSettings,
    budget: float,
    on_page: OnPage | None,
    on_item: Callable[[dict[str, Any]], None] | None = None,
    **kwargs: Any,
) -> tuple[_Collector, list[str]]:
    """Run one spider to its end; return its collector and every error, as text.

    Items go to `on_item` as they are scraped when it is given, else to the collector.
    """
    collector = _Collector(on_page, on_item)
    errors: list[str] = []
    spider: Any = None
    task: Any = None
    try:
        ensure_reactor()
        runner = AsyncCrawlerRunner(spider_settings(network, time_budget=budget))
        crawler = runner.create_crawler(spidercls)
        for name in ("item_scraped", "response_received", "spider_error", "spider_closed"):
            crawler.signals.connect(getattr(collector, name), signal=getattr(signals, name))
        task = runner.crawl(crawler, **kwargs)
        try:
            await asyncio.wait_for(asyncio.shield(task), budget + STOP_GRACE)
        except TimeoutError:
            # Scrapy's own CLOSESPIDER_TIMEOUT fired at `budget` but waits for downloads
            # in flight; a hung server must not hold the caller, so cancel outright.
            errors.append(f"stopped after {budget:g}s time budget")
            task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, STOP_GRACE)
        spider = getattr(crawler, "spider", None)
    except asyncio.CancelledError:
        # The caller gave up (its ingest failed, or the daemon stops): the shielded
        # crawl must stop with it, or its downloads outlive the loop and Python prints
        # an "Exception ignored" traceback for each when the loop closes.
        if task is not None and not task.done():
            await _stop(crawler, task)
        raise
    except Exception as exc:
        errors.append(f"crawl failed: {type(exc).__name__}: {exc}")
    if spider is not None:
        errors = list(getattr(spider, "errors", [])) + errors
    errors = collector.errors + errors
    if collector.reason == "closespider_timeout" and not any("budget" in e for e in errors):
        errors.append(f"stopped after {budget:g}s time budget")
    return collector, errors


async def _stop(crawler: Any, task: asyncio.Task[None]) -> None:
    """Stop a crawl the caller no longer waits for: Scrapy's graceful stop (it closes
    the spider and drops the downloads in flight), then the task itself if that hangs."""
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(crawler.stop_async(), STOP_GRACE)
    if not task.done():
        task.cancel()
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(task, STOP_GRACE)


def _parse_date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        try:
            when = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def apply_page(candidate: Candidate, item: dict[str, Any]) -> None:
    """Fill a candidate from a fetched page; on failure keep its summary and say why."""
    page: ExtractedPage | None = item.get("page")
    if item.get("error") or page is None:
        candidate.extract_error = item.get("error") or "page not fetched"
        return
    if page.error:
        candidate.extract_error = page.error
        candidate.title = candidate.title or page.title
        return
    candidate.text = page.text
    candidate.text_source = "page"
    candidate.extract_error = None
    candidate.analysis = item.get("analysis")
    candidate.title = candidate.title or page.title
    candidate.author = candidate.author or page.author
    candidate.language = page.language or candidate.language
    if candidate.published is None:
        candidate.published = _parse_date(page.published)


async def fetch_article_pages(
    candidates: list[Candidate],
    network: NetworkSettings,
    on_page: OnPage | None = None,
    *,
    time_budget: float = ARTICLE_TIME_BUDGET,
    analysis: Analysis | None = None,
    on_ready: Callable[[Candidate], None] | None = None,
) -> None:
    """Fetch and extract each candidate's page, filling the candidates in place.

    A page that fails (fetch refused or failed, cookie wall, paywall, too short) keeps
    the candidate's summary and sets `extract_error`. Never raises for a page or
    spider failure. `analysis` says, per topic, what the extraction worker should also
    work out for ingest (`crawler.analysis`); `on_ready` gets each candidate once,
    as soon as its page is done, so the caller can store while the rest download.
    """
    if not candidates:
        return
    waiting: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        waiting.setdefault(candidate.url, []).append(candidate)

    def arrived(item: dict[str, Any]) -> None:
        for candidate in waiting.pop(item["url"], []):
            apply_page(candidate, item)
            if on_ready is not None:
                on_ready(candidate)

    hints: dict[str, dict[str, Any]] = {}
    if analysis is not None:
        for url, group in waiting.items():
            spec = analysis(group[0].topic)
            if spec is not None:
                hints[url] = {"analysis": (spec, group[0].title, group[0].language)}
    _, errors = await _run_spider(
        ArticleSpider,
        network,
        time_budget,
        on_page,
        urls=list(waiting),
        hints=hints,
        on_item=arrived,
    )
    unfinished = errors[-1] if errors else "page not fetched"
    for url in list(waiting):
        arrived({"url": url, "error": unfinished})


async def read_pages(
    urls: list[str],
    network: NetworkSettings,
    *,
    trusted: bool = False,
    time_budget: float = ARTICLE_TIME_BUDGET,
) -> list[ExtractedPage]:
    """Fetch and extract pages as crawls do; one page per URL, `error` set on failure.

    `trusted` exempts these URLs (not their redirects) from the private-address guard,
    for URLs a person typed rather than links learned from content.
    """
    unique = list(dict.fromkeys(urls))
    collector, errors = await _run_spider(
        ArticleSpider, network, time_budget, None, urls=unique, trusted=unique if trusted else ()
    )
    by_url = {item["url"]: item for item in collector.items}
    pages = []
    for url in urls:
        item = by_url.get(url, {})
        page = item.get("page")
        if page is None:
            reason = item.get("error") or (errors[-1] if errors else "page not fetched")
            page = ExtractedPage(source=url, title="", text="", error=reason)
        pages.append(page)
    return pages


def _site_candidate(source: SourceSettings, item: dict[str, Any]) -> Candidate:
    hints = item.get("hints") or {}
    candidate = Candidate(
        url=item["url"],
        title=hints.get("title") or "",
        topic=source.topic or DEFAULT_TOPIC_NAME,
        published=hints.get("published"),
        source=source.name,
        language=source.language,
    )
    apply_page(candidate, item)
    return candidate


async def crawl_site(
    source: SourceSettings,
    network: NetworkSettings,
    *,
    known_urls: KnownURLs,
    since: datetime | None,
    on_page: OnPage | None = None,
    time_budget: float = SITE_TIME_BUDGET,
    analysis: Analysis | None = None,
) -> SiteCrawl:
    """Crawl one listing or sitemap source for articles not stored yet.

    `known_urls` gets canonical URLs and returns those already stored; only the others
    are fetched. For sitemaps, entries dated before `since` are skipped.
    """
    spidercls: type[Spider]
    kwargs: dict[str, Any] = {"source": source, "known_urls": known_urls}
    if analysis is not None:
        kwargs["analysis"] = analysis(source.topic or DEFAULT_TOPIC_NAME)
    if source.kind == "listing":
        spidercls = ListingSpider
    elif source.kind == "sitemap":
        spidercls, kwargs["since"] = NewsSitemapSpider, since
    else:
        return SiteCrawl(error=f"source {source.name} is a {source.kind}, not a site to crawl")
    collector, errors = await _run_spider(spidercls, network, time_budget, on_page, **kwargs)
    result = SiteCrawl(pages=collector.pages, error="; ".join(errors) or None)
    for item in collector.items:
        if item.get("error"):
            result.failed[item["url"]] = item["error"]
        else:
            result.candidates.append(_site_candidate(source, item))
    return result


async def poll(run: SourceRun, source: SourceSettings, result: PollResult) -> None:
    """The `listing` and `sitemap` kinds: one spider run for the articles not stored yet."""
    began = time.monotonic()
    site = await crawl_site(
        source,
        run.network,
        known_urls=run.known_urls,
        since=run.last_crawl(source.name),
        on_page=run.page,
        analysis=run.analysis,
    )
    result.pages_seconds = time.monotonic() - began
    if site.error:
        run.fail(result, site.error)
    if site.candidates or not site.error:
        run.store(result, site.candidates, validators=False)
