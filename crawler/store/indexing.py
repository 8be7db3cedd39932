"""The near-duplicate index kept in step with the database, whatever Redis does.

Ingest asks the index which story a text joins, and the index must know every stored
article for the answer to be right. In memory it is loaded from the database at start
and grows with each batch. With `[dedup] redis_url` it is shared in Redis, and Redis
may go away or come back empty; `IndexKeeper` handles both:

- Redis unreachable: the keeper falls back to an in-memory index loaded from the
  database, which holds every stored article, and says so once. Articles keep being
  stored and their copies found; failing each article instead would leave them
  unstored (and their pages to fetch again) until Redis is back. Redis is tried again
  every `RETRY_SHARED_AFTER` seconds, and rejoined once it answers.
- Redis restarted without its data: the marker the last load set (`RedisIndex
  .generation`) is gone, so the keeper rebuilds the shared index from the database
  before the next batch, instead of finding no copies until the daemon restarts.

What it did comes back as one-line notes for the poll's report, and as log lines.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, cast

import numpy as np
from sqlmodel import Session

from crawler.dedup.index import IndexUnavailable, MemoryIndex
from crawler.dedup.story import Deduplicator
from crawler.settings import DedupSettings
from crawler.store import articles

if TYPE_CHECKING:
    from crawler.dedup.redis_index import RedisIndex

RETRY_SHARED_AFTER = 30.0
"""Seconds between tries of an unavailable Redis while the in-memory index stands in."""

log = logging.getLogger("peacewatch.dedup")
# The daemon's handler shows these lines. A one-off crawl prints them in its summary
# instead; without a handler here Python's last resort would print them a second time.
log.addHandler(logging.NullHandler())


class IndexKeeper:
    """The `Deduplicator` in use, and how far into the articles table it has read."""

    def __init__(self, dedup: Deduplicator, retry_after: float = RETRY_SHARED_AFTER) -> None:
        self.dedup = dedup
        self.loaded_upto = 0
        self.retry_after = retry_after
        """Seconds between tries of an unavailable Redis (`RETRY_SHARED_AFTER`)."""
        self._generation: str | None = None
        """The shared index's marker when this worker last loaded it (None: not yet)."""
        self._fallback_since: float | None = None
        """When Redis failed and memory took over (None: Redis is in use, or unset)."""

    @property
    def settings(self) -> DedupSettings:
        return self.dedup.settings

    def refresh(self, session: Session) -> None:
        """Load signatures stored since the last look (by this or any other worker)."""
        rows = articles.signatures_since(session, self.loaded_upto)
        self.dedup.load((i, story, sig, at) for i, story, sig, at in rows if story is not None)
        if rows:
            self.loaded_upto = rows[-1][0]

    def prepare(self, session: Session) -> list[str]:
        """Before a batch: bring the index up to date, rebuilding a shared one that Redis
        lost, or falling back to memory when Redis cannot be reached. Returns notes."""
        if self.settings.redis_url is None:
            self.refresh(session)
            return []
        notes: list[str] = []
        if self._fallback_since is not None:
            if not self._rejoin():
                self.refresh(session)
                return []
            notes.append(
                self._say(
                    f"Redis at {self._shared().where} is back; the shared near-duplicate "
                    "index is loaded again from the database"
                )
            )
        try:
            shared = self._shared()
            marker = shared.generation()
            if self._generation is not None and marker != self._generation:
                # Redis restarted without its data (no marker), or another worker found
                # it so and rebuilt it (a new marker): load every stored article again.
                self._start_over(Deduplicator(self.settings))
                shared = self._shared()
                if marker is None:
                    notes.append(
                        self._say(
                            f"the near-duplicate index in Redis at {shared.where} was empty "
                            "(Redis restarted without its data); rebuilding it from the "
                            "database"
                        )
                    )
            self.refresh(session)
            if self._generation is None:
                self._generation = shared.mark_loaded()
        except IndexUnavailable as exc:
            return notes + self.fall_back(session, exc)
        return notes

    def _rejoin(self) -> bool:
        """While memory stands in: whether Redis answers again (tried every
        `RETRY_SHARED_AFTER` s); if so, switch back to it, to be loaded in full."""
        assert self._fallback_since is not None
        if time.monotonic() - self._fallback_since < self.retry_after:
            return False
        shared = Deduplicator(self.settings)
        try:
            cast("RedisIndex", shared.index).generation()
        except IndexUnavailable:
            self._fallback_since = time.monotonic()
            return False
        self._start_over(shared)
        self._fallback_since = None
        return True

    def fall_back(self, session: Session, exc: IndexUnavailable) -> list[str]:
        """Redis failed: go on with an in-memory index of every stored article (this
        session's uncommitted ones included), and try Redis again later."""
        self._use_memory(session)
        return [
            self._say(
                f"near-duplicate index: {exc}; using an in-memory index of the "
                f"{_articles(len(self.dedup))} stored, trying Redis again every "
                f"{self.retry_after:g} s"
            )
        ]

    def add(
        self,
        session: Session,
        article_id: int,
        story_id: int,
        signature: bytes,
        shingles: np.ndarray | None,
        keys: np.ndarray | None,
        published: datetime | None = None,
        title: str | None = None,
    ) -> list[str]:
        """Index an article just inserted in `session`; notes if Redis failed meanwhile."""
        notes: list[str] = []
        try:
            self.dedup.add(article_id, story_id, signature, shingles, keys, published, title)
        except IndexUnavailable as exc:
            # The article is in this session: the fallback's load from it has it.
            notes = self.fall_back(session, exc)
        self.loaded_upto = max(self.loaded_upto, article_id)
        return notes

    def forget(self, article_ids: Iterable[int]) -> None:
        """Drop index entries of a batch whose transaction was rolled back."""
        ids = list(article_ids)
        if not ids:
            return
        # Left in an unreachable Redis, they are ignored: this worker no longer knows them.
        with contextlib.suppress(IndexUnavailable):
            self.dedup.remove(ids)
        self.loaded_upto = min(self.loaded_upto, min(ids) - 1)

    def _use_memory(self, session: Session) -> None:
        self._start_over(Deduplicator(self.settings, MemoryIndex(self.settings)))
        self._fallback_since = time.monotonic()
        self.refresh(session)

    def _shared(self) -> RedisIndex:
        return cast("RedisIndex", self.dedup.index)  # only kept when redis_url is set

    def _start_over(self, dedup: Deduplicator) -> None:
        self.dedup = dedup
        self.loaded_upto = 0
        self._generation = None

    @staticmethod
    def _say(message: str) -> str:
        log.warning(message)
        return message


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"
