"""The one ingest path: candidate articles from any source become stored articles.

Feeds, spiders and `replay` all hand their candidates to `Ingestor.ingest`, which runs
them through the stages in order, each from its own home: relevance (the topic's
`RelevanceGate`), URL identity (`crawler.fetch.urls`, `crawler.store.articles`), exact and
near duplicates (`crawler.dedup`), status (the topic's classifier), then the bulk
insert (`crawler.store.articles`) and the story recounts (`crawler.store.stories`).
Rows go into the caller's session. The caller commits, so what it records beside (a
source's state, say) goes with the same articles or not at all.

The near-duplicate index is kept in step with the database by `IndexKeeper`
(`crawler.store.indexing`), which also survives a shared index's Redis going away; what
it had to do is reported in `IngestReport.notes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from crawler.analysis import admit
from crawler.clock import as_utc, utcnow
from crawler.dedup.fingerprint import fingerprint
from crawler.dedup.index import IndexUnavailable
from crawler.dedup.story import CopyCheck, Deduplicator, Lookup, SignatureLookup
from crawler.fetch.urls import identity, redact_url
from crawler.model import (
    AnalysisSpec,
    Candidate,
    Classification,
    Classifier,
    Fingerprint,
)
from crawler.settings import DedupSettings, TopicSettings
from crawler.status.backend import make_classifier, make_gate, preload
from crawler.status.relevance import RelevanceGate
from crawler.status.rules import classify
from crawler.store import articles, stories
from crawler.store.batch import Batch, Original, Row
from crawler.store.indexing import IndexKeeper

Classify = Classifier


@dataclass
class IngestReport:
    seen: int = 0
    skipped: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    new_articles: int = 0
    article_ids: list[int] = field(default_factory=list)
    story_ids: set[int] = field(default_factory=set)
    truncated: dict[str, list[str]] = field(default_factory=dict)
    """Each candidate URL whose fields were cut to `ARTICLE_LIMITS`, with those fields."""
    future_dated: list[str] = field(default_factory=list)
    """Stored articles whose published time lay ahead of the fetch (stored as the fetch)."""
    notes: list[str] = field(default_factory=list)
    """What happened to the near-duplicate index during the batch (Redis lost, back)."""

    def merge(self, other: IngestReport) -> None:
        self.seen += other.seen
        self.skipped += other.skipped
        self.duplicates += other.duplicates
        self.near_duplicates += other.near_duplicates
        self.new_articles += other.new_articles
        self.article_ids += other.article_ids
        self.story_ids |= other.story_ids
        self.truncated.update(other.truncated)
        self.future_dated += other.future_dated
        self.notes += other.notes

    def warnings(self) -> list[str]:
        """Lines for the crawl report: what was cut, which dates were clamped."""
        lines: list[str] = list(self.notes)
        if self.truncated:
            fields = sorted({f for cut in self.truncated.values() for f in cut})
            first = next(iter(self.truncated))
            lines.append(
                f"{len(self.truncated)} article(s) had {', '.join(fields)} cut to their "
                f"stored limits (first: {redact_url(first[:200])})"
            )
        if self.future_dated:
            lines.append(
                f"{len(self.future_dated)} article(s) dated in the future were stored with "
                f"the fetch time as published (first: {redact_url(self.future_dated[0][:200])})"
            )
        return lines


class Ingestor:
    """Holds what ingest needs across batches: topic queries, classifiers, the index."""

    def __init__(
        self,
        topics: Sequence[TopicSettings],
        dedup: DedupSettings | None = None,
        classifiers: dict[str, Classify] | None = None,
    ) -> None:
        self.topics = {t.name: t for t in topics}
        # Readers load on first use: a crawl that finds nothing new never reads one.
        self.gates: dict[str, RelevanceGate] = {}
        self.classifiers: dict[str, Classify] = dict(classifiers or {})
        self._own_readers = classifiers is None
        self.index = IndexKeeper(Deduplicator(dedup))
        # Classifiers handed in are the caller's own: a worker cannot reproduce them.
        self._specs = {
            t.name: AnalysisSpec.of(self.dedup.settings, t if classifiers is None else None)
            for t in topics
        }

    def classifier(self, topic: str) -> Classify:
        found = self.classifiers.get(topic)
        if found is None and self._own_readers and topic in self.topics:
            found = self.classifiers[topic] = make_classifier(self.topics[topic])
        return found or classify

    def load_readers(self) -> None:
        """Load every topic's readers now (a daemon's start) rather than at first use."""
        for name, topic in self.topics.items():
            self.gate(name)
            self.classifier(name)
            if self._own_readers:
                preload(topic)

    def gate(self, topic: str) -> RelevanceGate | None:
        if topic not in self.gates and topic in self.topics:
            self.gates[topic] = make_gate(self.topics[topic])
        return self.gates.get(topic)

    @property
    def dedup(self) -> Deduplicator:
        """The near-duplicate index in use (shared in Redis, or in memory)."""
        return self.index.dedup

    @property
    def _loaded_upto(self) -> int:
        return self.index.loaded_upto

    def refresh_index(self, session: Session) -> None:
        """Load signatures stored since the last look (by this or any other worker)."""
        self.index.refresh(session)

    def index_outdated(self, session: Session) -> bool:
        """Whether the index holds articles the database no longer has (another worker's
        retention deleted them): then it must be built anew."""
        return articles.indexed_count(session, self._loaded_upto) < len(self.dedup)

    def known_urls(self, session: Session, urls: Sequence[str]) -> set[str]:
        """Which of these canonical URLs are stored already: one query per batch."""
        return articles.known_urls(session, urls)

    def gates_as(self, topic: str) -> bool:
        """Whether a gate's decision made under `topic` (settings as JSON) is one ingest
        would make now: some topic's settings are still those."""
        return any(spec is not None and spec.topic == topic for spec in self._specs.values())

    def analysis_spec(self, topic: str) -> AnalysisSpec | None:
        """What a worker must apply to a page of `topic` for ingest to take its analysis."""
        return self._specs.get(topic)

    def _fingerprint(self, candidate: Candidate) -> tuple[Fingerprint, Classification | None]:
        done = candidate.analysis
        if (
            done is not None
            and done.spec == self._specs.get(candidate.topic)
            and done.title == candidate.title
            and done.body == candidate.body
            and done.language == candidate.language
        ):
            return done.fingerprint, done.verdict
        return fingerprint(candidate.title, candidate.body, self.dedup.settings), None

    def ingest(
        self, session: Session, candidates: Sequence[Candidate], now: datetime | None = None
    ) -> IngestReport:
        """Store what is new among `candidates`, in a few statements per batch.

        Every decision (copy of what, which story, which status) is made in memory
        first, copies within the batch included; then new stories and articles are
        inserted in bulk, and the index learns their ids.
        """
        now = as_utc(now) or utcnow()
        report = IngestReport(seen=len(candidates))
        if not candidates:  # a feed answering 304: nothing to look up
            return report
        # Stored URLs first (one query): a feed that resends what it sent is not read again.
        unstored = self._unstored(session, candidates, report)
        kept = {id(c) for c in self._relevant([c for c, _ in unstored], report)}
        first = {url: c for c, url in reversed(unstored) if id(c) in kept}  # a URL's first
        fresh = [(c, url) for c, url in unstored if first.get(url) is c]
        report.duplicates += len(kept) - len(fresh)
        if not fresh:  # nothing to deduplicate: the index need not catch up (a query)
            return report
        report.notes += self.index.prepare(session)
        analysed = [(c, url, *self._fingerprint(c)) for c, url in fresh]
        try:
            batch, decided = self._decide_all(session, analysed, now)
        except IndexUnavailable as exc:  # Redis went away since the batch began
            report.notes += self.index.fall_back(session, exc)
            batch, decided = self._decide_all(session, analysed, now)
        report.merge(decided)
        try:
            started = self._write(session, batch, report)
            stories.recount(session, report.story_ids - started, now)
        except BaseException:
            self.forget(report)
            raise
        return report

    def _decide_all(
        self,
        session: Session,
        analysed: list[tuple[Candidate, str, Fingerprint, Classification | None]],
        now: datetime,
    ) -> tuple[Batch, IngestReport]:
        """Every candidate's decision, counted in a report of their own: nothing is
        written, so a batch whose index failed midway is decided again from scratch."""
        decided = IngestReport()
        originals = self._originals(session, {fp.content_hash for _, _, fp, _ in analysed})
        batch = Batch(self.dedup.local())
        rows = [batch.row(c, url, fp, now) for c, url, fp, _ in analysed]
        checks, lookup = self._copy_checks(session, rows, originals)
        for (candidate, _, _, verdict), row, check in zip(analysed, rows, checks, strict=True):
            self._decide(batch, originals, candidate, row, verdict, now, decided, check, lookup)
        return batch, decided

    def _copy_checks(
        self, session: Session, rows: list[Row], originals: dict[str, Original]
    ) -> tuple[list[CopyCheck | None], Lookup]:
        """Each row's check against the stored articles (None for an exact copy of one,
        or a text with no shingles, which no copy check reads), and what reads the texts
        they need: all of the batch's in one query, since the index does not change
        until the batch is written (a query each was most of what the archive's size
        added to a batch). An id the query does not find (deleted since) is not there
        to compare, as before."""
        signatures: SignatureLookup = lambda ids: articles.stored_signatures(session, ids)  # noqa: E731
        checks = [
            None
            if row.fp.content_hash in originals or not len(row.fp.shingles)
            else self.dedup.copy_check(row.fp, signatures, row.keys, row.values["published"])
            for row in rows
        ]
        wanted = sorted({i for c in checks if c is not None for i in c.to_read})
        texts = articles.stored_texts(session, wanted) if wanted else {}
        return checks, lambda ids: {i: texts[i] for i in ids if i in texts}

    def _relevant(self, candidates: Sequence[Candidate], report: IngestReport) -> list[Candidate]:
        """The candidates about their topic, tidied as they are stored (`admit`), taking
        the decision made beside the feed's parse when it was made under this topic."""
        relevant: list[Candidate] = []
        for candidate in candidates:
            admission, spec = candidate.admission, self._specs.get(candidate.topic)
            if admission is not None and spec is not None and admission.topic == spec.topic:
                kept, cut = admission.relevant, admission.cut
            else:
                done = candidate.analysis
                scored = done if done is not None and done.spec == spec else None
                kept, cut = admit(candidate, self.gate(candidate.topic), scored)
            if cut:
                report.truncated[candidate.url] = cut
            if kept:
                relevant.append(candidate)
            else:
                report.skipped += 1
        return relevant

    def _unstored(
        self, session: Session, candidates: Sequence[Candidate], report: IngestReport
    ) -> list[tuple[Candidate, str]]:
        """Each candidate with its canonical URL, where no stored article has that URL."""
        urls = [identity(c) for c in candidates]
        stored = self.known_urls(session, [u for u in urls if u is not None])
        unstored: list[tuple[Candidate, str]] = []
        for candidate, url in zip(candidates, urls, strict=True):
            if url is None:
                report.skipped += 1
            elif url in stored:
                report.duplicates += 1
            else:
                unstored.append((candidate, url))
        return unstored

    def _originals(self, session: Session, hashes: set[str]) -> dict[str, Original]:
        """The stored original of each content hash: what an exact copy inherits."""
        found = articles.first_with_hash(session, hashes)
        return {
            h: Original(o.id, None, o.story_id, o.status, o.confidence, o.evidence)
            for h, o in found.items()
        }

    def _decide(
        self,
        batch: Batch,
        originals: dict[str, Original],
        candidate: Candidate,
        row: Row,
        verdict: Classification | None,
        now: datetime,
        report: IngestReport,
        check: CopyCheck | None,
        lookup: Lookup,
    ) -> None:
        """Copy of what, which story, which status: everything but the ids."""
        fp = row.fp
        if row.values["published_estimated"] and candidate.published is not None:
            report.future_dated.append(candidate.url)
        original = originals.get(fp.content_hash)
        if original is not None:
            report.duplicates += 1
            row.story, row.original = original.story, original
            row.values["duplicate_of"] = original.id
            status, confidence, evidence = original.status, original.confidence, original.evidence
        else:
            report.new_articles += 1
            # The check was worked out for the batch (`_copy_checks`): find_story needs
            # no signatures or band keys of its own.
            story = self.dedup.find_story(
                fp, lookup, published=row.values["published"], title=candidate.title, check=check
            )
            if story is None:
                story = batch.find_story(fp, row.keys, row.values["published"], candidate.title)
            if story is None:
                story = batch.new_story(candidate.topic, row.values["published"], now)
            else:
                report.near_duplicates += 1
            row.story = story
            if verdict is None:
                verdict = self.classifier(candidate.topic)(
                    candidate.title, candidate.body, candidate.language
                )
            status, confidence, evidence = verdict.status, verdict.confidence, verdict.evidence
            originals[fp.content_hash] = Original(None, row, story, status, confidence, evidence)
        row.values.update(status=status, confidence=confidence, evidence=list(evidence))
        batch.add(row)

    def _write(self, session: Session, batch: Batch, report: IngestReport) -> set[int]:
        """Insert the batch's new stories, counted, then its articles (copies after their
        originals). Returns the new stories' ids."""
        story_ids: dict[int, int] = {}
        if batch.stories:
            stories.count_new(batch.stories, ((r.story, r.values) for r in batch.rows))
            ids = stories.insert_stories(session, batch.stories)
            story_ids = {-(k + 1): story_id for k, story_id in enumerate(ids)}
        firsts = [r for r in batch.rows if r.copies_row is None]
        copies = [r for r in batch.rows if r.copies_row is not None]
        for group in (firsts, copies):
            for row in group:
                row.values["story_id"] = story_ids.get(row.story, row.story)
                if row.copies_row is not None:
                    row.values["duplicate_of"] = row.copies_row.id
            if group:
                for row, article_id in zip(
                    group, articles.insert_articles(session, [r.values for r in group]), strict=True
                ):
                    row.id = article_id
        for row in batch.rows:
            assert row.id is not None
            report.article_ids.append(row.id)
            report.story_ids.add(row.values["story_id"])
            report.notes += self.index.add(
                session,
                row.id,
                row.values["story_id"],
                row.fp.signature,
                row.fp.shingles,
                row.keys,
                row.values["published"],
                row.values["title"],
            )
        return set(story_ids.values())

    def forget(self, report: IngestReport) -> None:
        """Drop index entries of a batch whose transaction was rolled back."""
        self.index.forget(report.article_ids)
