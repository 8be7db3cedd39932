"""Sources: the kinds a source can be, each one registered poller.

A kind is a module with an async `poll(run, source, result)` and one line in
`_KINDS` (or a `register` call). The poller fills the `PollResult` with what the
source answered and hands its candidates to `run.store` (or its error to `run.fail`);
the crawl that runs it (`crawler.crawl.Crawl`) owns the database, the ingest and the
report, so a poller knows nothing of them. Modules load when their kind is first
polled: a feed-only crawl never imports Scrapy.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from crawler.model import AnalysisSpec, Candidate, PollResult
from crawler.settings import NetworkSettings, SourceSettings

if TYPE_CHECKING:
    from crawler.fetch.http import HttpFetcher


class SourceRun(Protocol):
    """What a poller may ask of the crawl that runs it."""

    network: NetworkSettings

    @property
    def fetcher(self) -> HttpFetcher: ...

    def validators(self, name: str) -> tuple[str | None, str | None]:
        """The stored ETag and Last-Modified of a source."""
        ...

    def last_crawl(self, name: str) -> datetime | None: ...

    def polled_before(self, name: str) -> bool:
        """Whether a poll of the source has ever succeeded."""
        ...

    def known_urls(self, urls: list[str]) -> set[str]:
        """Which of these (canonical) URLs are stored already."""
        ...

    def analysis(self, topic: str) -> AnalysisSpec | None: ...

    def page(self) -> None:
        """Count one fetched page."""
        ...

    async def with_pages(self, result: PollResult, candidates: list[Candidate]) -> list[Candidate]:
        """Fetch the pages of unstored entries, storing them in batches as they arrive."""
        ...

    def store(
        self, result: PollResult, candidates: list[Candidate], *, validators: bool = True
    ) -> None:
        """Store the source's last candidates and its new state in one transaction;
        `validators=False` keeps the stored ETag and marks a site crawl's time."""
        ...

    def fail(self, result: PollResult, error: str) -> None: ...


Poller = Callable[[SourceRun, SourceSettings, PollResult], Awaitable[None]]

_KINDS: dict[str, str] = {
    "feed": "crawler.sources.feed",
    "listing": "crawler.sources.sites",
    "sitemap": "crawler.sources.sites",
}
"""Source kind → the module whose `poll` reads it."""


def register(kind: str, module: str) -> None:
    """Make `kind` a source kind read by `module.poll` (a config can then name it)."""
    _KINDS[kind] = module


def kinds() -> tuple[str, ...]:
    return tuple(_KINDS)


def poller(kind: str) -> Poller:
    try:
        module = _KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r} (known: {', '.join(_KINDS)})") from None
    poll: Poller = importlib.import_module(module).poll
    return poll
