"""Downloader middlewares: the private-address guard and polite retries."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.response import response_status_message

from crawler.fetch.guard import BlockedURL, check_url
from crawler.fetch.http import retry_after_seconds
from crawler.sources.scrapy_settings import RETRY_AFTER_MAX, RETRY_BACKOFF_BASE


class PrivateAddressGuard:
    """Refuse requests to private, loopback and link-local addresses.

    Runs before robots.txt and every download, so a link (or a redirect) learned from
    content cannot make peacewatch probe its own network. The spider's
    `trusted_urls` (the configured source URL and its robots.txt) pass.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("PEACEWATCH_ALLOW_PRIVATE")
        self._verdicts: dict[tuple[str, str], str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateAddressGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if self.allow_private:
            return None
        if request.url in getattr(self.crawler.spider, "trusted_urls", ()):
            return None
        parts = urlsplit(request.url)
        key = (parts.scheme.lower(), (parts.hostname or "").lower())
        if key not in self._verdicts:
            try:
                await check_url(request.url, allow_private=False)
                self._verdicts[key] = None
            except BlockedURL as exc:
                self._verdicts[key] = str(exc)
        reason = self._verdicts[key]
        if reason is not None:
            raise IgnoreRequest(reason)
        return None


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, but waiting before each one: Retry-After if the server sent
    it, else exponential backoff. The wait holds the request's download slot, so the
    whole domain slows down, which is what a 429 asks for."""

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            wait = RETRY_BACKOFF_BASE * 2 ** request.meta.get("retry_times", 0)
        if wait > RETRY_AFTER_MAX:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(wait)
        return retry
