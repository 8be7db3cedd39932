"""Every setting our spiders run with, in one place, derived from `[network]`.

Scrapy reads its behaviour from settings (its own defaults live in
`scrapy/settings/default_settings.py`); this module is the one place peacewatch
overrides them, so manners (robots.txt, AutoThrottle, per-domain concurrency,
retries, size and time caps, User-Agent) can be read off one page.
"""

from __future__ import annotations

from typing import Any
from urllib.request import getproxies

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


def autothrottle_start_delay(per_host: int) -> float:
    """AutoThrottle's first delay between requests to a host, before its latency is known:
    one request a second per allowed connection (0.5 s at the default two), after which
    the host's latency sets the pace. A fixed 0.5 s made a crawl allowed 16 connections
    spend its first second trickling (the delay halves with each response): about 6 % of
    `tests/bench/bench_article_path.py`."""
    return 1.0 / per_host


AUTOTHROTTLE_MAX_DELAY = 30.0

ITEMS_PER_RESPONSE = 1
"""Scrapy's CONCURRENT_ITEMS: outputs of one callback processed at once. Our callbacks
yield one item (an article page) or only requests (listings, sitemaps), which are
scheduled without waiting, so one is all there is to do at a time. Scrapy starts this
many tasks for every response whatever it yields: 8 cost ~0.06 ms more main-process CPU
per page. Pages still wait on worker processes (crawler.runtime.workers) side by side, one
task per response, so the shared event loop keeps serving."""


UNUSED_DOWNLOADER_MIDDLEWARES = (
    # No allowed_domains: every request is "on site".
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",
    # No HTTP auth credentials.
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
)
UNUSED_SPIDER_MIDDLEWARES = (
    # Each one wraps every callback's output in another async generator (~0.1 ms/page
    # together). No Referer header is sent: article fetches from feeds have none anyway.
    "scrapy.spidermiddlewares.referer.RefererMiddleware",
    # Over-long links are dropped by PeacewatchSpider.unseen instead.
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware",
    # Our spiders track their own depth (pw_depth) and DEPTH_LIMIT is 0.
    "scrapy.spidermiddlewares.depth.DepthMiddleware",
    # A development aid (warns about copied meta keys).
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware",
)
UNUSED_EXTENSIONS = (
    # Stats nobody reads (STATS_CLASS is the dummy collector; CloseSpider's timeout
    # and sites.py use signals, not stats).
    "scrapy.extensions.logstats.LogStats",
    "scrapy.extensions.corestats.CoreStats",
    "scrapy.extensions.logcount.LogCount",
)


def spider_settings(network: NetworkSettings, *, time_budget: float) -> dict[str, Any]:
    return {
        "BOT_NAME": "peacewatch",
        "USER_AGENT": network.agent,
        "ROBOTSTXT_OBEY": network.obey_robots,
        "PEACEWATCH_ALLOW_PRIVATE": network.allow_private,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": autothrottle_start_delay(network.per_host),
        "AUTOTHROTTLE_MAX_DELAY": AUTOTHROTTLE_MAX_DELAY,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(network.per_host),
        "CONCURRENT_REQUESTS": network.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": network.per_host,
        "CONCURRENT_ITEMS": ITEMS_PER_RESPONSE,
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
            "crawler.sources.spiders.middlewares.PrivateAddressGuard": 50,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.sources.spiders.middlewares.RetryAfterMiddleware": 550,
            **{name: None for name in UNUSED_DOWNLOADER_MIDDLEWARES},
        },
        "SPIDER_MIDDLEWARES": {name: None for name in UNUSED_SPIDER_MIDDLEWARES},
        "ITEM_PIPELINES": {"crawler.sources.spiders.pipelines.ExtractPipeline": 100},
        "EXTENSIONS": {name: None for name in UNUSED_EXTENSIONS},
        # Per-page bookkeeping nobody reads: 1.52 -> 1.08 ms of main-process CPU per
        # page with the UNUSED_* lists (tests/bench/bench_spider_fetch.py).
        "STATS_CLASS": "scrapy.statscollectors.DummyStatsCollector",
        "DOWNLOADER_STATS": False,
        "MEMUSAGE_ENABLED": False,
        # Parses the callback's source again for every response (its cache is keyed
        # by bound methods, new each time): 0.3 ms/page.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # On by default in Scrapy 2.19: an HTTP server on localhost per spider that
        # runs Python code sent to it (token in a file under the user's home).
        "REMOTE_CONTROL_ENABLED": False,
        # Proxies from the environment as before, no per-request check without them.
        "HTTPPROXY_ENABLED": bool(getproxies()),
    }
