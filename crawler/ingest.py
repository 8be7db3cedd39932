"""The one ingest path: candidate articles from any source become stored articles.

Feeds, spiders and `replay` all hand their candidates to `Ingestor.ingest`, which
decides relevance, URL identity, exact and near duplicates, story membership and
status, and writes rows into the caller's session. The caller commits, so a source's
state is committed together with the articles it produced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from crawler.db import as_utc, utcnow
from crawler.dedup import Deduplicator, Fingerprint
from crawler.models import Article, Story
from crawler.settings import DedupSettings, TopicSettings
from crawler.status import Classification, classify, make_classifiers
from crawler.text import html_to_text, one_line
from crawler.topics import TopicQuery
from crawler.urls import canonical_or_none, outlet_of

Classify = Callable[[str, str], Classification]


@dataclass
class Candidate:
    """What a source knows of one article before it is stored."""

    url: str
    title: str
    topic: str
    summary: str = ""
    text: str | None = None
    published: datetime | None = None
    source: str | None = None
    outlet: str | None = None
    author: str | None = None
    language: str | None = None
    text_source: str = "summary"
    extract_error: str | None = None

    @property
    def body(self) -> str:
        return self.text if self.text else self.summary


@dataclass
class IngestReport:
    seen: int = 0
    skipped: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    new_articles: int = 0
    article_ids: list[int] = field(default_factory=list)
    story_ids: set[int] = field(default_factory=set)

    def merge(self, other: IngestReport) -> None:
        self.seen += other.seen
        self.skipped += other.skipped
        self.duplicates += other.duplicates
        self.near_duplicates += other.near_duplicates
        self.new_articles += other.new_articles
        self.article_ids += other.article_ids
        self.story_ids |= other.story_ids


def stored_texts(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Title and body of stored articles as they were fingerprinted, for the exact check."""
    rows = session.exec(  # type: ignore[call-overload]
        select(Article.id, Article.title, Article.text, Article.summary).where(
            Article.id.in_(list(ids))  # type: ignore[union-attr]
        )
    ).all()
    return {r[0]: (r[1], r[2] or r[3]) for r in rows}


def stored_signatures(session: Session, ids: Sequence[int]) -> dict[int, bytes | None]:
    rows = session.exec(  # type: ignore[call-overload]
        select(Article.id, Article.minhash).where(Article.id.in_(list(ids)))  # type: ignore[union-attr]
    ).all()
    return {r[0]: r[1] for r in rows}


class Ingestor:
    """Holds what ingest needs across batches: topic queries, classifiers, the index."""

    def __init__(
        self,
        topics: Sequence[TopicSettings],
        dedup: DedupSettings | None = None,
        classifiers: dict[str, Classify] | None = None,
    ) -> None:
        self.topics = {t.name: t for t in topics}
        self.queries = {t.name: TopicQuery.from_lists(t.query) for t in topics}
        self.classifiers = classifiers if classifiers is not None else make_classifiers(topics)
        self.dedup = Deduplicator(dedup)
        self._loaded_upto = 0

    def classifier(self, topic: str) -> Classify:
        return self.classifiers.get(topic, classify)

    def refresh_index(self, session: Session) -> None:
        """Load signatures stored since the last look (by this or any other worker)."""
        rows = session.exec(  # type: ignore[call-overload]
            select(Article.id, Article.story_id, Article.minhash)
            .where(Article.id > self._loaded_upto, Article.minhash.is_not(None))  # type: ignore[union-attr]
            .order_by(Article.id)
        ).all()
        self.dedup.load((r[0], r[1], r[2]) for r in rows if r[1] is not None)
        if rows:
            self._loaded_upto = rows[-1][0]

    def is_relevant(self, candidate: Candidate) -> bool:
        query = self.queries.get(candidate.topic)
        return query is None or query.is_relevant(candidate.title, candidate.body)

    def known_urls(self, session: Session, urls: Sequence[str]) -> set[str]:
        """Which of these URLs (any spelling) are stored already: one query per batch."""
        canon = {c for c in map(canonical_or_none, urls) if c is not None}
        found: set[str] = set()
        chunk = list(canon)
        for start in range(0, len(chunk), 500):
            part = chunk[start : start + 500]
            found |= set(session.exec(select(Article.url).where(Article.url.in_(part))).scalars())  # type: ignore[attr-defined,call-overload]
        return found

    def ingest(
        self, session: Session, candidates: Sequence[Candidate], now: datetime | None = None
    ) -> IngestReport:
        now = as_utc(now) or utcnow()
        report = IngestReport(seen=len(candidates))
        self.refresh_index(session)
        relevant: list[Candidate] = []
        for candidate in candidates:
            candidate.title = one_line(candidate.title)
            candidate.summary = html_to_text(candidate.summary)
            if self.is_relevant(candidate):
                relevant.append(candidate)
            else:
                report.skipped += 1
        stored = self.known_urls(session, [c.url for c in relevant])
        fresh: list[tuple[Candidate, str, Fingerprint]] = []
        for candidate in relevant:
            url = canonical_or_none(candidate.url)
            if url is None:
                report.skipped += 1
                continue
            if url in stored:
                report.duplicates += 1
                continue
            stored.add(url)
            fp = self.dedup.fingerprint(candidate.title, candidate.body)
            fresh.append((candidate, url, fp))
        hashes = self._stored_hashes(session, {fp.content_hash for _, _, fp in fresh})
        try:
            for candidate, url, fp in fresh:
                self._store(session, candidate, url, fp, now, hashes, report)
            self._update_stories(session, report.story_ids, now)
        except BaseException:
            self.forget(report)
            raise
        return report

    def _stored_hashes(self, session: Session, wanted: set[str]) -> dict[str, Article]:
        """The first stored article of each content hash: one query per batch."""
        found: dict[str, Article] = {}
        chunk = sorted(wanted)
        for start in range(0, len(chunk), 500):
            query = (
                select(Article)
                .where(Article.content_hash.in_(chunk[start : start + 500]))  # type: ignore[attr-defined]
                .order_by(Article.id)
            )
            for article in session.exec(query).scalars():  # type: ignore[call-overload]
                found.setdefault(article.content_hash, article)
        return found

    def _store(
        self,
        session: Session,
        candidate: Candidate,
        url: str,
        fp: Fingerprint,
        now: datetime,
        hashes: dict[str, Article],
        report: IngestReport,
    ) -> None:
        original = hashes.get(fp.content_hash)
        published = as_utc(candidate.published)
        article = Article(
            url=url,
            original_url=candidate.url,
            outlet=candidate.outlet or outlet_of(url),
            source=candidate.source,
            topic=candidate.topic,
            title=candidate.title,
            summary=candidate.summary,
            text=candidate.text or "",
            text_source=candidate.text_source,
            extract_error=candidate.extract_error,
            author=candidate.author,
            language=candidate.language,
            published=published or now,
            published_estimated=published is None,
            fetched=now,
            content_hash=fp.content_hash,
            minhash=fp.signature,
        )
        if original is not None:
            report.duplicates += 1
            article.duplicate_of = original.id
            article.story_id = original.story_id
            article.status, article.confidence = original.status, original.confidence
            article.evidence = list(original.evidence)
        else:
            report.new_articles += 1
            story_id = self.dedup.find_story(
                fp,
                lambda ids: stored_texts(session, ids),
                lambda ids: stored_signatures(session, ids),
            )
            if story_id is None:
                story = Story(topic=candidate.topic, first_seen=article.published, last_seen=now)
                session.add(story)
                session.flush()
                story_id = story.id
            else:
                report.near_duplicates += 1
            article.story_id = story_id
            verdict = self.classifier(candidate.topic)(candidate.title, candidate.body)
            article.status, article.confidence = verdict.status, verdict.confidence
            article.evidence = list(verdict.evidence)
        session.add(article)
        session.flush()
        assert article.id is not None and article.story_id is not None
        hashes.setdefault(fp.content_hash, article)
        report.article_ids.append(article.id)
        self.dedup.add(article.id, article.story_id, fp.signature)
        self._loaded_upto = max(self._loaded_upto, article.id)
        report.story_ids.add(article.story_id)

    def _update_stories(self, session: Session, story_ids: set[int], now: datetime) -> None:
        if not story_ids:
            return
        counts = session.exec(  # type: ignore[call-overload]
            select(
                Article.story_id,
                func.count(Article.id),
                func.count(func.distinct(Article.outlet)),
                func.min(Article.published),
            )
            .where(Article.story_id.in_(story_ids))  # type: ignore[union-attr]
            .group_by(Article.story_id)
        ).all()
        for story_id, articles, outlets, first in counts:
            story = session.get(Story, story_id)
            if story is None:
                continue
            story.articles, story.outlets, story.last_seen = articles, outlets, now
            first = as_utc(first)
            if first is not None and first < story.first_seen:
                story.first_seen = first
            session.add(story)

    def forget(self, report: IngestReport) -> None:
        """Drop index entries of a batch whose transaction was rolled back."""
        if report.article_ids:
            self.dedup.remove(report.article_ids)
            self._loaded_upto = min(self._loaded_upto, min(report.article_ids) - 1)
