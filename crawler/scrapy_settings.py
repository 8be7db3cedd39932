"""Every setting our spiders run with, in one place, derived from `[network]`.

Scrapy reads its behaviour from settings (its own defaults live in
`scrapy/settings/default_settings.py`); this module is the one place peacewatch
overrides them, so manners (robots.txt, AutoThrottle, per-domain concurrency,
retries, size and time caps, User-Agent) can be read off one page.
"""

from __future__ import annotations

from typing import Any

from crawler.settings import MAX_REDIRECTS, NetworkSettings

SITE_TIME_BUDGET = 300.0
"""Seconds one site crawl (listing or sitemap source) may run before it is stopped."""

ARTICLE_TIME_BUDGET = 300.0
"""Seconds one batch of article-page fetches may run before it is stopped."""

STOP_GRACE = 2.0
"""Seconds past its budget a spider gets to close (Scrapy waits for downloads in
flight) before its task is cancelled."""

RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 1.0
"""First retry waits this long, each further retry twice as long (without Retry-After)."""

RETRY_AFTER_MAX = 30.0
"""A Retry-After longer than this is not waited for: the page fails this crawl."""

AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0

EXTRACT_CONCURRENCY = 8
"""Pages extracted at once (in threads, so the shared event loop keeps serving)."""


def spider_settings(network: NetworkSettings, *, time_budget: float) -> dict[str, Any]:
    return {
        "BOT_NAME": "peacewatch",
        "USER_AGENT": network.agent,
        "ROBOTSTXT_OBEY": network.obey_robots,
        "PEACEWATCH_ALLOW_PRIVATE": network.allow_private,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": AUTOTHROTTLE_START_DELAY,
        "AUTOTHROTTLE_MAX_DELAY": AUTOTHROTTLE_MAX_DELAY,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(network.per_host),
        "CONCURRENT_REQUESTS": network.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": network.per_host,
        "CONCURRENT_ITEMS": EXTRACT_CONCURRENCY,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_MAXSIZE": network.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_TIMEOUT": network.total_timeout,
        "DNS_TIMEOUT": network.connect_timeout,
        "REDIRECT_MAX_TIMES": MAX_REDIRECTS,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": RETRY_TIMES,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "CLOSESPIDER_TIMEOUT": time_budget,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "STATS_DUMP": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.spiders.middlewares.PrivateAddressGuard": 50,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.spiders.middlewares.RetryAfterMiddleware": 550,
        },
        "ITEM_PIPELINES": {"crawler.spiders.pipelines.ExtractPipeline": 100},
        "EXTENSIONS": {"scrapy.extensions.logstats.LogStats": None},
    }
