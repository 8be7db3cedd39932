"""What every peacewatch spider shares: article requests, failure notes, trust."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TwistedTimeout
from twisted.python.failure import Failure

from crawler.fetch.urls import canonical_or_none
from crawler.model import AnalysisSpec

HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml", "text/plain"})
KnownURLs = Callable[[list[str]], set[str]]
MAX_URL_LENGTH = 2083
"""Longer links are junk, not articles (Scrapy's URLLENGTH_LIMIT; its spider
middleware is off, see crawler/scrapy_settings.py)."""


def describe_failure(failure: Failure) -> str:
    """A fetch failure as one readable line (Twisted nests the real reason)."""
    exc: BaseException | None = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    while exc is not None and exc.__cause__ is not None:
        exc = exc.__cause__
    reasons = getattr(exc, "reasons", None)
    if reasons:
        exc = reasons[0].value
    assert exc is not None
    message = str(exc).strip() or type(exc).__name__
    if isinstance(exc, TwistedTimeout | TimeoutError):
        message = f"timed out ({message})"
    return message if len(message) < 300 else message[:297] + "..."


class PeacewatchSpider(scrapy.Spider):
    name = "peacewatch"

    def __init__(
        self,
        *args: Any,
        trusted: Iterable[str] = (),
        known_urls: KnownURLs | None = None,
        analysis: AnalysisSpec | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.analysis = analysis
        self.trusted_urls: set[str] = set()
        for url in trusted:
            self.trusted_urls |= {url, urljoin(url, "/robots.txt")}
        self.known_urls = known_urls
        self.errors: list[str] = []
        self._scheduled: set[str] = set()

    def note_error(self, message: str) -> None:
        self.errors.append(message)

    def unseen(self, urls: Iterable[str]) -> list[str]:
        """URLs neither scheduled in this crawl nor stored before (by canonical URL)."""
        fresh: dict[str, str] = {}
        for url in urls:
            if len(url) > MAX_URL_LENGTH:
                continue
            canon = canonical_or_none(url)
            if canon is None:
                continue  # "http://[" in an href: not a link
            if canon not in self._scheduled and canon not in fresh:
                fresh[canon] = url
        stored = self.known_urls(list(fresh)) if self.known_urls and fresh else set()
        result = [url for canon, url in fresh.items() if canon not in stored]
        self._scheduled |= set(fresh)
        return result

    def article_request(self, url: str, *, unique: bool = False, **hints: Any) -> scrapy.Request:
        """A request for an article page; `hints` come back with its item. With an
        analysis spec, the worker also analyses the page under the hinted title.
        `unique`: the caller waits for an item for each of its distinct URLs, so Scrapy's
        duplicate filter, which compares URLs as w3lib normalises them (`127.1` is
        `127.0.0.1` from w3lib 2.6), must not drop a spelling without a word."""
        if self.analysis is not None and "analysis" not in hints:
            hints["analysis"] = (self.analysis, hints.get("title") or "", hints.get("language"))
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"pw_requested": url, "pw_hints": hints},
            dont_filter=unique,
        )

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        item: dict[str, Any] = {
            "url": response.meta["pw_requested"],
            "final_url": response.url,
            "hints": response.meta.get("pw_hints", {}),
        }
        kind = (response.headers.get("Content-Type") or b"").decode("latin-1")
        kind = kind.split(";")[0].strip().lower()
        if isinstance(response, TextResponse) and kind in HTML_TYPES:
            item["html"] = response.text
        else:
            item["error"] = f"not a web page ({kind or 'no content type'})"
        yield item

    def article_failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request = failure.request  # type: ignore[attr-defined]
        yield {
            "url": request.meta.get("pw_requested", request.url),
            "final_url": request.url,
            "hints": request.meta.get("pw_hints", {}),
            "error": describe_failure(failure),
        }

    def start_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.note_error(f"{request.url}: {describe_failure(failure)}")
