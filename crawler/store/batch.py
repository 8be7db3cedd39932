"""A batch's decisions before they are written: each new article's row (copy of what,
which story, which status) and the stories the batch starts, with an index of the
batch's own so that copies within it are found. `crawler.store.ingest` decides them and
writes them in a few statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from crawler.dedup.story import Deduplicator
from crawler.model import ARTICLE_LIMITS, Candidate, Fingerprint, clip
from crawler.store import articles, stories


@dataclass
class Original:
    """The first article with a content hash: what its copies inherit."""

    id: int | None
    row: Row | None
    """The row, while the original is new in this batch and has no id yet."""
    story: int
    status: str
    confidence: float
    evidence: list[str]


@dataclass
class Row:
    """One article of a batch, decided but not inserted."""

    fp: Fingerprint
    body: str
    values: dict[str, Any]
    keys: np.ndarray
    """The fingerprint's LSH band keys: cut once for both indexes' lookups and inserts."""
    story: int = 0
    """A stored story's id, or a story new in this batch as -1, -2, ..."""
    original: Original | None = None
    id: int | None = None

    @property
    def copies_row(self) -> Row | None:
        """The row of this batch it is an exact copy of (inserted first, for its id)."""
        return self.original.row if self.original is not None else None


class Batch:
    """The batch's decisions, with an index of its own so copies within it are found."""

    def __init__(self, index: Deduplicator) -> None:
        self.index = index
        self.rows: list[Row] = []
        self.stories: list[dict[str, Any]] = []

    def find_story(
        self, fp: Fingerprint, keys: np.ndarray, published: datetime | None, title: str
    ) -> int | None:
        return self.index.find_story(
            fp,
            lambda ids: {i: (self.rows[i].values["title"], self.rows[i].body) for i in ids},
            lambda ids: {i: self.rows[i].fp.signature for i in ids},
            keys,
            published,
            title,
        )

    def new_story(self, topic: str, first_seen: datetime, now: datetime) -> int:
        self.stories.append(stories.story_row(topic, first_seen, now))
        return -len(self.stories)

    def add(self, row: Row) -> None:
        self.index.add(
            len(self.rows),
            row.story,
            row.fp.signature,
            row.fp.shingles,
            row.keys,
            row.values["published"],
            row.values["title"],
        )
        self.rows.append(row)

    def row(self, candidate: Candidate, url: str, fp: Fingerprint, now: datetime) -> Row:
        """A new article's row, not yet decided: its stored values and band keys."""
        row = Row(
            fp=fp,
            body=candidate.body,
            values=articles.article_row(candidate, url, fp, now),
            # The batch's index is in memory with the same settings as the global one.
            keys=self.index.band_keys(fp.signature),
        )
        # An outlet worked out from the URL's host is bounded like one a source named.
        row.values["outlet"] = clip(row.values["outlet"], ARTICLE_LIMITS["outlet"], ellipsis=False)
        return row
