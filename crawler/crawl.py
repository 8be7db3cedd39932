"""One pass over the sources: poll, fetch, ingest, record health.

Each source is its own unit of work: its failure is recorded without touching the
others. Its new state (ETag, health) is committed with the last of its articles; when
it fetches full pages, the earlier pages are stored in batches while the rest
download, so a crash loses no stored page, and the next poll, seeing the old ETag,
skips what is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.fetch.http import HttpFetcher
from crawler.fetch.urls import canonical_or_none
from crawler.settings import NetworkSettings, SourceSettings
from crawler.sources.feed import FeedPoll, poll_feed
from crawler.store.db import session_scope, utcnow
from crawler.store.ingest import Candidate, Ingestor, IngestReport
from crawler.store.sources import record_failure, record_success, sync_sources
from crawler.store.tables import Source

Progress = Callable[[str, str], None]

STORE_EVERY = 64
"""Fetched pages stored per transaction while a source's other pages download."""
STORE_AFTER = 1.0
"""Seconds at most a fetched page waits to be stored while others download."""


@dataclass
class CrawlReport:
    sources: int = 0
    entries_seen: int = 0
    skipped: int = 0
    new_articles: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    not_modified: int = 0
    pages: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    by_source: dict[str, dict[str, Any]] = field(default_factory=dict)

    def source(self, name: str) -> dict[str, Any]:
        return self.by_source.setdefault(
            name,
            {
                "source": name,
                "entries": 0,
                "new_articles": 0,
                "duplicates": 0,
                "near_duplicates": 0,
                "skipped": 0,
                "not_modified": False,
                "error": None,
            },
        )

    def add(self, name: str, ingest: IngestReport) -> None:
        mine = self.source(name)
        mine["entries"] += ingest.seen
        mine["new_articles"] += ingest.new_articles
        mine["duplicates"] += ingest.duplicates
        mine["near_duplicates"] += ingest.near_duplicates
        mine["skipped"] += ingest.skipped
        self.entries_seen += ingest.seen
        self.skipped += ingest.skipped
        self.new_articles += ingest.new_articles
        self.duplicates += ingest.duplicates
        self.near_duplicates += ingest.near_duplicates
        self.article_ids += ingest.article_ids

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "entries_seen": self.entries_seen,
            "skipped": self.skipped,
            "new_articles": self.new_articles,
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "not_modified": self.not_modified,
            "pages": self.pages,
            "errors": self.errors,
            "warnings": self.warnings,
            "by_source": sorted(self.by_source.values(), key=lambda s: s["source"]),
        }


@dataclass
class SourceOutcome:
    """What one poll of one source showed: the daemon's polling policy reads this."""

    source: str
    error: str | None = None
    status: int | None = None
    retry_after: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    ttl_minutes: int | None = None
    not_modified: bool = False
    conditional: bool = True
    entries: int = 0
    new_articles: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    article_ids: list[int] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    pages_seconds: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def network_error(self) -> bool:
        """Failed before any HTTP response: the network, not the feed, may be at fault."""
        return self.error is not None and self.status is None


# Called inside the transaction that stores a source's articles and health, so the
# caller's own bookkeeping (next poll time, lease) commits with them or not at all.
Finish = Callable[[Session, Source, SourceOutcome], None]
Penalise = Callable[[SourceOutcome], bool]


class Crawl:
    """A crawl of some sources with one HTTP client, one ingestor and one database."""

    def __init__(
        self,
        engine: Engine,
        ingestor: Ingestor,
        network: NetworkSettings,
        progress: Progress | None = None,
        *,
        finish: Finish | None = None,
        penalise: Penalise | None = None,
    ) -> None:
        self.engine = engine
        self.ingestor = ingestor
        self.network = network
        self.progress = progress or (lambda _event, _name: None)
        self.finish = finish
        self.penalise = penalise
        self.report = CrawlReport()
        self._state: dict[str, tuple[str | None, str | None, Any]] = {}

    async def run(self, sources: Sequence[SourceSettings]) -> CrawlReport:
        enabled = [s for s in sources if s.enabled]
        self.report.sources = len(enabled)
        with session_scope(self.engine) as session:
            rows = sync_sources(session, enabled)
            self._state = {
                name: (row.etag, row.last_modified, row.last_crawl_at) for name, row in rows.items()
            }
        async with HttpFetcher(self.network) as fetcher:
            await asyncio.gather(*(self.run_source(fetcher, s) for s in enabled))
        return self.report

    def _stored_state(self, name: str) -> tuple[str | None, str | None, Any]:
        """ETag, Last-Modified and last crawl time: read once per `run`, else per poll."""
        if name in self._state:
            return self._state[name]
        with session_scope(self.engine) as session:
            row = _row(session, name)
            return row.etag, row.last_modified, row.last_crawl_at

    async def run_source(
        self, fetcher: HttpFetcher, source: SourceSettings, *, conditional: bool = True
    ) -> SourceOutcome:
        """Poll one source and commit what it gave; `conditional=False` forces a full fetch."""
        outcome = SourceOutcome(source.name, conditional=conditional)
        self.progress("start", source.name)
        try:
            if source.kind == "feed":
                await self._feed(fetcher, source, outcome)
            else:
                await self._site(source, outcome)
        except Exception as exc:  # one source's bug must never stop the others
            self._fail(outcome, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self.progress("done", source.name)
        return outcome

    def _fail(self, outcome: SourceOutcome, error: str) -> None:
        name = outcome.source
        outcome.error = outcome.error or error
        outcome.seconds = time.monotonic() - outcome.started
        self.report.errors.append({"source": name, "error": error})
        self.report.source(name)["error"] = error
        penalise = self.penalise(outcome) if self.penalise else True
        with session_scope(self.engine) as session:
            row = _row(session, name)
            record_failure(row, utcnow(), error, penalise=penalise)
            if self.finish is not None:
                self.finish(session, row, outcome)

    async def _feed(
        self, fetcher: HttpFetcher, source: SourceSettings, outcome: SourceOutcome
    ) -> None:
        etag = last_modified = None
        if outcome.conditional:
            etag, last_modified, _ = self._stored_state(source.name)
        poll: FeedPoll = await poll_feed(fetcher, source, etag=etag, last_modified=last_modified)
        outcome.status, outcome.retry_after = poll.status, poll.retry_after
        outcome.headers, outcome.ttl_minutes = poll.headers, poll.ttl_minutes
        if poll.error:
            self._fail(outcome, poll.error)
            return
        if poll.warning:
            self.report.warnings.append({"source": source.name, "warning": poll.warning})
        if poll.not_modified:
            outcome.not_modified = True
            self.report.not_modified += 1
            self.report.source(source.name)["not_modified"] = True
        candidates = poll.candidates
        if source.fetch_articles and candidates:
            began = time.monotonic()
            candidates = await self._with_pages(outcome, candidates)
            outcome.pages_seconds = time.monotonic() - began
        self._store(outcome, candidates, poll)

    async def _with_pages(
        self, outcome: SourceOutcome, candidates: list[Candidate]
    ) -> list[Candidate]:
        """Fetch pages of entries not stored yet, storing them in batches as they arrive.

        Returns what is left for the source's final transaction: entries stored before
        and the pages of the last batch.
        """
        try:
            from crawler.sources.sites import fetch_article_pages
        except ImportError:
            return candidates
        with session_scope(self.engine) as session:
            known = self.ingestor.known_urls(session, [c.url for c in candidates])
        stored: list[Candidate] = []
        fresh: list[Candidate] = []
        for candidate in candidates:
            (stored if canonical_or_none(candidate.url) in known else fresh).append(candidate)
        if not fresh:
            return candidates
        ready: list[Candidate] = []
        full = asyncio.Event()

        def arrived(candidate: Candidate) -> None:
            ready.append(candidate)
            if len(ready) >= STORE_EVERY:
                full.set()

        fetch = asyncio.ensure_future(
            fetch_article_pages(
                fresh,
                self.network,
                on_page=self._page,
                analysis=self.ingestor.analysis_spec,
                on_ready=arrived,
            )
        )
        try:
            while not fetch.done():
                waiter = asyncio.ensure_future(full.wait())
                await asyncio.wait(
                    {fetch, waiter}, timeout=STORE_AFTER, return_when=asyncio.FIRST_COMPLETED
                )
                waiter.cancel()
                full.clear()
                if ready and not fetch.done():
                    batch = ready[:]
                    del ready[:]
                    self._store_batch(outcome, batch)
            await fetch
        finally:
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(BaseException):
                    await fetch
        return stored + ready

    def _page(self) -> None:
        self.report.pages += 1
        self.progress("page", "")

    async def _site(self, source: SourceSettings, outcome: SourceOutcome) -> None:
        try:
            from crawler.sources.sites import crawl_site
        except ImportError:
            self._fail(outcome, f"{source.kind} sources are not supported in this build")
            return
        since = self._stored_state(source.name)[2]

        def known(urls: list[str]) -> set[str]:
            with session_scope(self.engine) as session:
                return self.ingestor.known_urls(session, urls)

        began = time.monotonic()
        site = await crawl_site(
            source,
            self.network,
            known_urls=known,
            since=since,
            on_page=self._page,
            analysis=self.ingestor.analysis_spec,
        )
        outcome.pages_seconds = time.monotonic() - began
        if site.error:
            self._fail(outcome, site.error)
        if site.candidates or not site.error:
            self._store(outcome, site.candidates, None)

    @contextlib.contextmanager
    def _ingesting(self, outcome: SourceOutcome, candidates: list[Candidate]) -> Iterator[Session]:
        """Ingest in a transaction of its own, counted in `outcome`; the body adds to the
        transaction. On rollback the index forgets the batch; on commit the report
        counts it."""
        ingest: IngestReport | None = None
        try:
            with session_scope(self.engine) as session:
                ingest = self.ingestor.ingest(session, candidates, now=utcnow())
                outcome.entries += ingest.seen
                outcome.new_articles += ingest.new_articles
                outcome.duplicates += ingest.duplicates
                outcome.near_duplicates += ingest.near_duplicates
                outcome.article_ids += ingest.article_ids
                yield session
        except BaseException:
            if ingest is not None:
                self.ingestor.forget(ingest)
            raise
        self.report.add(outcome.source, ingest)

    def _store_batch(self, outcome: SourceOutcome, candidates: list[Candidate]) -> None:
        """Store fetched pages in a transaction of their own while the rest download."""
        with self._ingesting(outcome, candidates):
            pass

    def _store(
        self, outcome: SourceOutcome, candidates: list[Candidate], poll: FeedPoll | None
    ) -> None:
        """The source's last articles and its new state (ETag, health), in one transaction."""
        now = utcnow()
        with self._ingesting(outcome, candidates) as session:
            row = _row(session, outcome.source)
            if poll is None:
                row.last_crawl_at = now
                etag, last_modified, final_url = row.etag, row.last_modified, None
            else:
                etag, last_modified, final_url = poll.etag, poll.last_modified, poll.final_url
            if outcome.error is None:
                record_success(
                    row,
                    now,
                    new_articles=outcome.new_articles,
                    etag=etag,
                    last_modified=last_modified,
                    final_url=final_url,
                )
            elif outcome.new_articles:
                row.last_new_at = now
            outcome.seconds = time.monotonic() - outcome.started
            if self.finish is not None and outcome.error is None:
                self.finish(session, row, outcome)


def _row(session: Any, name: str) -> Source:
    return session.exec(select(Source).where(Source.name == name)).scalars().one()
