"""Why a fetch failed, apart from the HTTP stack: the parsing workers import the code
that handles it (`crawler.sources.feed`) and never fetch, so they need not import aiohttp
and httpx for it."""

from __future__ import annotations


class FetchError(Exception):
    """A fetch that failed, with a reason fit for `sources` and `crawl --json`."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
