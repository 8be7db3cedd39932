"""The domain types that cross the crawler's stages, named once.

A source yields `Candidate`s and one `PollResult`; extraction may attach a
`PageAnalysis` (the `Fingerprint` dedup needs and the `Classification` status gives);
the store reads them all. Stages import these from here, never from one another, so
a stage can change its insides without the others noticing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from crawler.settings import DedupSettings, TopicSettings

if TYPE_CHECKING:
    import numpy as np

STATUSES = (
    "none",
    "proposed",
    "scheduled",
    "ongoing",
    "progress",
    "stalled",
    "collapsed",
    "ceasefire",
    "agreement",
)
"""The status taxonomy, in the order ties are broken."""

DECISIVE = frozenset({"ceasefire", "agreement", "collapsed"})
"""Statuses that alert on their own, without taking the lead."""


@dataclass(frozen=True)
class Classification:
    status: str = "none"
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "confidence": self.confidence, "evidence": self.evidence}


class Classifier(Protocol):
    """What reads a (title, text) pair: the rules, a model, or a chat-completions backend.

    `language` is the article's (`en`, `ru`, `uk`, …) as ingest detected it; a reader
    that reads some languages better than others uses it, the rest ignore it.
    """

    def __call__(self, title: str, text: str, language: str | None = None) -> Classification: ...


def _no_shingles() -> np.ndarray:
    import numpy as np  # only fingerprinting needs it; listing articles need not load it

    return np.empty(0, np.uint32)


@dataclass(frozen=True)
class Fingerprint:
    content_hash: str
    signature: bytes
    shingles: np.ndarray = field(default_factory=_no_shingles, compare=False)
    """Sorted and unique, which `crawler.dedup.fingerprint.jaccard` relies on."""


@dataclass(frozen=True)
class AnalysisSpec:
    """The settings an analysis depends on, as ingest would apply them to one topic."""

    dedup: str
    """`DedupSettings` as JSON, without the Redis address (a fingerprint does not use it)."""
    topic: str | None
    """`TopicSettings` as JSON when a worker can read the topic's status (the model or
    the rules), else None (a chat-completions backend is asked from ingest)."""

    @classmethod
    def of(cls, dedup: DedupSettings, topic: TopicSettings | None) -> AnalysisSpec:
        fingerprinting = dedup.model_copy(update={"redis_url": None})
        local = topic is not None and topic.classifier.backend != "llm"
        return cls(fingerprinting.model_dump_json(), topic.model_dump_json() if local else None)


@dataclass
class PageAnalysis:
    """Fingerprint and status worked out beside extraction, for the text ingest will read."""

    title: str
    body: str
    spec: AnalysisSpec
    fingerprint: Fingerprint
    verdict: Classification | None
    language: str | None = None
    """The language the verdict was read in; ingest takes it only in the same one."""
    relevance: float | None = None
    """The topic gate's score of `title` and `body` (pages only), so that the crawling
    process need not read a page's relevance again; ingest takes it for the same text
    in the same declared language (`declared`)."""
    declared: str | None = None


ARTICLE_LIMITS: dict[str, int] = {
    "title": 1_000,
    "summary": 20_000,
    "text": 500_000,
    "author": 500,
    "outlet": 255,
}
"""The most characters ingest stores of each of an article's free-text fields; longer
values are cut (titles and names with an ellipsis) and the crawl report says so."""


def clip(value: str, limit: int, *, ellipsis: bool = True) -> str:
    """`value` at most `limit` characters; a cut one ends with an ellipsis when asked."""
    if len(value) <= limit:
        return value
    return value[: limit - 1] + "\u2026" if ellipsis else value[:limit]


@dataclass
class Admission:
    """The topic's relevance gate's decision on a feed entry, made beside the feed's
    parse (`crawler.analysis.admit`); ingest takes it only under the same topic."""

    topic: str
    """`TopicSettings` as JSON, as in `AnalysisSpec.topic`."""
    relevant: bool
    cut: list[str]
    """The fields `Candidate.bound` cut."""


@dataclass
class TurnedAway:
    """A feed's entries that its topic's gate turned away beside the parse: not sent
    back from the worker (on a first crawl, most of them), only counted as ingest would
    count them, with the fields `Candidate.bound` cut from any of them."""

    topic: str
    """The topic's settings as JSON they were turned away under (`Admission.topic`)."""
    count: int = 0
    cut: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Candidate:
    """What a source knows of one article before it is stored."""

    url: str
    title: str
    topic: str
    summary: str = ""
    canonical: str | None = None
    """The URL's identity (`crawler.fetch.urls.identity`), where the source worked it
    out beside its parse; worked out by whoever first needs it otherwise."""
    text: str | None = None
    published: datetime | None = None
    source: str | None = None
    outlet: str | None = None
    author: str | None = None
    language: str | None = None
    text_source: str = "summary"
    extract_error: str | None = None
    analysis: PageAnalysis | None = None
    """Fingerprint and status worked out beside extraction, if they were."""
    relevance: float = 1.0
    """How surely it is about its topic, as the topic's relevance gate scored it."""
    admission: Admission | None = None
    """Tidied and gated beside its feed's parse, if it was."""

    @property
    def body(self) -> str:
        return self.text if self.text else self.summary

    def bound(self) -> list[str]:
        """Cut the free-text fields to `ARTICLE_LIMITS`; the names of those cut."""
        cut: list[str] = []
        for name in ("title", "author"):
            value = getattr(self, name)
            if value is not None and len(value) > ARTICLE_LIMITS[name]:
                setattr(self, name, clip(value, ARTICLE_LIMITS[name]))
                cut.append(name)
        for name in ("summary", "text", "outlet"):
            value = getattr(self, name)
            if value is not None and len(value) > ARTICLE_LIMITS[name]:
                setattr(self, name, clip(value, ARTICLE_LIMITS[name], ellipsis=False))
                cut.append(name)
        return cut


@dataclass
class PollResult:
    """What one poll of one source found and stored: the one record of a poll.

    The source's poller fills in what the response said, the store adds what the
    entries became, and the daemon's polling policy reads both to decide the next poll.
    """

    source: str
    conditional: bool = True
    """Whether ETag/Last-Modified were sent (a 304 can only answer a conditional poll)."""
    candidates: list[Candidate] = field(default_factory=list)
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    error: str | None = None
    warning: str | None = None
    status: int | None = None
    retry_after: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    ttl_minutes: int | None = None
    turned_away: TurnedAway | None = None
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
