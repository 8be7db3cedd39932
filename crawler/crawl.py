"""One pass over the sources: poll, fetch, ingest, record health.

Each source is its own unit of work: its articles and its new state (ETag, health)
are committed together, and its failure is recorded without touching the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from crawler.db import session_scope, utcnow
from crawler.feeds import FeedPoll, poll_feed
from crawler.http import HttpFetcher
from crawler.ingest import Candidate, Ingestor, IngestReport
from crawler.models import Source
from crawler.settings import NetworkSettings, SourceSettings
from crawler.sources import record_failure, record_success, sync_sources
from crawler.urls import canonical_or_none

Progress = Callable[[str, str], None]


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


class Crawl:
    """A crawl of some sources with one HTTP client, one ingestor and one database."""

    def __init__(
        self,
        engine: Engine,
        ingestor: Ingestor,
        network: NetworkSettings,
        progress: Progress | None = None,
    ) -> None:
        self.engine = engine
        self.ingestor = ingestor
        self.network = network
        self.progress = progress or (lambda _event, _name: None)
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
            await asyncio.gather(*(self._one(fetcher, s) for s in enabled))
        return self.report

    async def _one(self, fetcher: HttpFetcher, source: SourceSettings) -> None:
        self.progress("start", source.name)
        try:
            if source.kind == "feed":
                await self._feed(fetcher, source)
            else:
                await self._site(source)
        except Exception as exc:  # one source's bug must never stop the others
            self._fail(source.name, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self.progress("done", source.name)

    def _fail(self, name: str, error: str) -> None:
        self.report.errors.append({"source": name, "error": error})
        self.report.source(name)["error"] = error
        with session_scope(self.engine) as session:
            row = _row(session, name)
            record_failure(row, utcnow(), error)

    async def _feed(self, fetcher: HttpFetcher, source: SourceSettings) -> None:
        etag, last_modified, _ = self._state[source.name]
        poll: FeedPoll = await poll_feed(fetcher, source, etag=etag, last_modified=last_modified)
        if poll.error:
            self._fail(source.name, poll.error)
            return
        if poll.warning:
            self.report.warnings.append({"source": source.name, "warning": poll.warning})
        if poll.not_modified:
            self.report.not_modified += 1
            self.report.source(source.name)["not_modified"] = True
        candidates = poll.candidates
        if source.fetch_articles and candidates:
            candidates = await self._with_pages(candidates)
        self._store(source.name, candidates, poll)

    async def _with_pages(self, candidates: list[Candidate]) -> list[Candidate]:
        """Fetch full pages for entries not stored yet; the rest are kept as they are."""
        try:
            from crawler.sites import fetch_article_pages
        except ImportError:
            return candidates
        with session_scope(self.engine) as session:
            known = self.ingestor.known_urls(session, [c.url for c in candidates])
        fresh = [c for c in candidates if canonical_or_none(c.url) not in known]
        if fresh:
            await fetch_article_pages(fresh, self.network, on_page=self._page)
        return candidates

    def _page(self) -> None:
        self.report.pages += 1
        self.progress("page", "")

    async def _site(self, source: SourceSettings) -> None:
        try:
            from crawler.sites import crawl_site
        except ImportError:
            self._fail(source.name, f"{source.kind} sources are not supported in this build")
            return
        since = self._state[source.name][2]

        def known(urls: list[str]) -> set[str]:
            with session_scope(self.engine) as session:
                return self.ingestor.known_urls(session, urls)

        site = await crawl_site(
            source, self.network, known_urls=known, since=since, on_page=self._page
        )
        if site.error:
            self._fail(source.name, site.error)
        if site.candidates or not site.error:
            self._store(source.name, site.candidates, None)

    def _store(self, name: str, candidates: list[Candidate], poll: FeedPoll | None) -> None:
        now = utcnow()
        ingest: IngestReport | None = None
        try:
            with session_scope(self.engine) as session:
                ingest = self.ingestor.ingest(session, candidates, now=now)
                row = _row(session, name)
                if poll is None:
                    row.last_crawl_at = now
                    etag, last_modified, final_url = row.etag, row.last_modified, None
                else:
                    etag, last_modified, final_url = poll.etag, poll.last_modified, poll.final_url
                record_success(
                    row,
                    now,
                    new_articles=ingest.new_articles,
                    etag=etag,
                    last_modified=last_modified,
                    final_url=final_url,
                )
        except BaseException:
            if ingest is not None:
                self.ingestor.forget(ingest)
            raise
        self.report.add(name, ingest)


def _row(session: Any, name: str) -> Source:
    return session.exec(select(Source).where(Source.name == name)).scalars().one()
