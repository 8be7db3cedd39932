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
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.clock import utcnow
from crawler.fetch.http import HttpFetcher
from crawler.fetch.urls import identity, redact_text
from crawler.model import AnalysisSpec, Candidate, PollResult
from crawler.runtime.workers import start_workers
from crawler.settings import NetworkSettings, SourceSettings
from crawler.sources import poller
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor, IngestReport
from crawler.store.sources import record_failure, record_success, sources_named, sync_sources
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
        for warning in ingest.warnings():
            self.warnings.append({"source": name, "warning": warning})

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


# Called inside the transaction that stores a source's articles and health, so the
# caller's own bookkeeping (next poll time, lease) commits with them or not at all.
Finish = Callable[[Session, Source, PollResult, datetime], None]
"""In the poll's transaction: what follows the poll (the daemon's next poll time), as of
the moment given: when the fetch ended, so that ingesting a large feed does not push the
next poll back."""
Penalise = Callable[[PollResult], bool]


class Stored(NamedTuple):
    """What a poll needs of its source's row: its validators, when a site crawl last ran,
    and when a poll last succeeded (never: its first crawl, which brings its backlog)."""

    etag: str | None
    last_modified: str | None
    last_crawl_at: datetime | None
    last_success_at: datetime | None

    @classmethod
    def of(cls, row: Source) -> Stored:
        return cls(row.etag, row.last_modified, row.last_crawl_at, row.last_success_at)


Validators = tuple[str | None, str | None, str | None]
"""ETag, Last-Modified and final URL a poll leaves to store."""


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
        known: dict[str, Stored] | None = None,
        defer: bool = False,
    ) -> None:
        """`known`: sources' stored state (`Stored`), already read.
        `defer`: a poll that stores nothing leaves its validators in `deferred` for the
        caller to record with others, rather than opening a transaction of its own."""
        self.engine = engine
        self.ingestor = ingestor
        self.network = network
        self.progress = progress or (lambda _event, _name: None)
        self.finish = finish
        self.penalise = penalise
        self.report = CrawlReport()
        self._state: dict[str, Stored] = dict(known or {})
        self.defer = defer
        self.deferred: dict[str, Validators] = {}
        self._settled: dict[str, tuple[Validators, datetime]] = {}
        self._fetcher: HttpFetcher | None = None

    async def run(self, sources: Sequence[SourceSettings]) -> CrawlReport:
        enabled = [s for s in sources if s.enabled]
        self.report.sources = len(enabled)
        if len(enabled) > 1:  # a pass parses every changed feed at once: worth the
            start_workers()  # workers; one feed parses sooner in a thread (~1 s less)
        with session_scope(self.engine) as session:
            rows = sync_sources(session, enabled)
            self._state = {name: Stored.of(row) for name, row in rows.items()}
        try:
            async with HttpFetcher(self.network) as fetcher:
                await asyncio.gather(*(self.run_source(fetcher, s) for s in enabled))
        finally:
            self._record_settled()
        return self.report

    def _record_settled(self) -> None:
        """The polls that stored nothing (304s, feeds of known entries), in one
        transaction: one each was most of an unchanged pass's time."""
        if not self._settled:
            return
        with session_scope(self.engine) as session:
            rows = sources_named(session, list(self._settled))
            for name, ((etag, last_modified, final_url), ended) in self._settled.items():
                record_success(
                    rows[name],
                    ended,
                    new_articles=0,
                    etag=etag,
                    last_modified=last_modified,
                    final_url=final_url,
                )
        self._settled.clear()

    def _stored_state(self, name: str) -> Stored:
        """Read once per `run`, else per poll."""
        if name in self._state:
            return self._state[name]
        with session_scope(self.engine) as session:
            return Stored.of(_row(session, name))

    async def run_source(
        self, fetcher: HttpFetcher, source: SourceSettings, *, conditional: bool = True
    ) -> PollResult:
        """Poll one source and commit what it gave; `conditional=False` forces a full fetch."""
        result = PollResult(source.name, conditional=conditional)
        self.progress("start", source.name)
        self._fetcher = fetcher
        try:
            await poller(source.kind)(self, source, result)
        except Exception as exc:  # one source's bug must never stop the others
            self.fail(result, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self.progress("done", source.name)
        return result

    # -- what a poller may ask (crawler.sources.SourceRun) ------------------------------

    @property
    def fetcher(self) -> HttpFetcher:
        assert self._fetcher is not None, "polled outside run_source"
        return self._fetcher

    def validators(self, name: str) -> tuple[str | None, str | None]:
        stored = self._stored_state(name)
        return stored.etag, stored.last_modified

    def last_crawl(self, name: str) -> Any:
        return self._stored_state(name).last_crawl_at

    def polled_before(self, name: str) -> bool:
        return self._stored_state(name).last_success_at is not None

    def known_urls(self, urls: list[str]) -> set[str]:
        with session_scope(self.engine) as session:
            return self.ingestor.known_urls(session, urls)

    def analysis(self, topic: str) -> AnalysisSpec | None:
        return self.ingestor.analysis_spec(topic)

    def page(self) -> None:
        self.report.pages += 1
        self.progress("page", "")

    def fail(self, result: PollResult, error: str) -> None:
        """Record the poll's failure; the error's URLs lose their credentials here, so the
        report, the stored health and every alert quoting it are clean."""
        name = result.source
        error = redact_text(error)
        result.error = redact_text(result.error) if result.error else error
        result.seconds = time.monotonic() - result.started
        self.report.errors.append({"source": name, "error": error})
        self.report.source(name)["error"] = error
        penalise = self.penalise(result) if self.penalise else True
        with session_scope(self.engine) as session:
            row = _row(session, name)
            now = utcnow()
            record_failure(row, now, error, penalise=penalise)
            if self.finish is not None:
                self.finish(session, row, result, now)

    async def with_pages(self, result: PollResult, candidates: list[Candidate]) -> list[Candidate]:
        """Fetch pages of entries not stored yet, storing them in batches as they arrive.

        Returns what is left for the source's final transaction: entries stored before
        and the pages of the last batch.
        """
        from crawler.sources.sites import fetch_article_pages

        urls = [identity(c) for c in candidates]
        known = self.known_urls([u for u in urls if u is not None])
        stored: list[Candidate] = []
        fresh: list[Candidate] = []
        for candidate, url in zip(candidates, urls, strict=True):
            (stored if url in known else fresh).append(candidate)
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
                on_page=self.page,
                analysis=self.analysis,
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
                    with self._ingesting(result, batch):
                        pass
            await fetch
        finally:
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(BaseException):
                    await fetch
        return stored + ready

    def store(
        self, result: PollResult, candidates: list[Candidate], *, validators: bool = True
    ) -> None:
        """The source's last articles and its new state (ETag, health), in one transaction."""
        if result.warning:
            warning = redact_text(result.warning)
            self.report.warnings.append({"source": result.source, "warning": warning})
        if result.not_modified:
            self.report.not_modified += 1
            self.report.source(result.source)["not_modified"] = True
        turned = result.turned_away
        if turned is not None and not self.ingestor.gates_as(turned.topic):
            validators = False  # turned away under a topic since changed: read it all again
        nothing = not candidates and not result.article_ids and result.error is None
        if validators and nothing and (self.defer or self.finish is None):
            if turned is not None:
                self.report.add(result.source, turned_away(result))
                result.entries += turned.count
            result.seconds = time.monotonic() - result.started
            settled = (result.etag, result.last_modified, result.final_url)
            if self.defer:  # the caller records it with others
                self.deferred[result.source] = settled
            else:  # recorded with the pass's others as it ends (`_record_settled`)
                self._settled[result.source] = (settled, utcnow())
            return
        now = utcnow()
        with self._ingesting(result, candidates) as session:
            row = _row(session, result.source)
            if validators:
                etag, last_modified, final_url = result.etag, result.last_modified, result.final_url
            else:
                row.last_crawl_at = now
                etag, last_modified, final_url = row.etag, row.last_modified, None
            if result.error is None:
                record_success(
                    row,
                    now,
                    new_articles=result.new_articles,
                    etag=etag,
                    last_modified=last_modified,
                    final_url=final_url,
                )
            elif result.new_articles:
                row.last_new_at = now
            result.seconds = time.monotonic() - result.started
            if self.finish is not None and result.error is None:
                self.finish(session, row, result, now)

    @contextlib.contextmanager
    def _ingesting(self, result: PollResult, candidates: list[Candidate]) -> Iterator[Session]:
        """Ingest in a transaction of its own, counted in `result`; the body adds to the
        transaction. On rollback the index forgets the batch; on commit the report
        counts it."""
        ingest: IngestReport | None = None
        try:
            with session_scope(self.engine) as session:
                ingest = self.ingestor.ingest(session, candidates, now=utcnow())
                ingest.merge(turned_away(result))
                result.entries += ingest.seen
                result.new_articles += ingest.new_articles
                result.duplicates += ingest.duplicates
                result.near_duplicates += ingest.near_duplicates
                result.article_ids += ingest.article_ids
                yield session
        except BaseException:
            if ingest is not None:
                self.ingestor.forget(ingest)
            raise
        self.report.add(result.source, ingest)


def turned_away(result: PollResult) -> IngestReport:
    """The entries the gate turned away beside the feed's parse, as ingest counts them."""
    turned = result.turned_away
    if turned is None:
        return IngestReport()
    return IngestReport(seen=turned.count, skipped=turned.count, truncated=dict(turned.cut))


def _row(session: Any, name: str) -> Source:
    return session.exec(select(Source).where(Source.name == name)).scalars().one()
