"""Article rows as ingest reads and writes them: a few statements per batch.

What ingest asks the database about articles (which URLs are stored, the first
article of a content hash, the texts and signatures the near-duplicate check reads,
signatures stored since the index last looked), the row a candidate becomes, and the
bulk insert of a batch's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.clock import as_utc
from crawler.fetch.urls import outlet_of
from crawler.model import Candidate, Classification, Fingerprint
from crawler.store.corrections import corrections_of
from crawler.store.db import session_scope
from crawler.store.tables import Article

T = TypeVar("T")

CHUNK = 500
"""Values per IN (...) list: well inside every backend's limit on bound parameters."""


def chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def known_urls(session: Session, urls: Sequence[str]) -> set[str]:
    """Which of these canonical URLs are stored already: one query a chunk."""
    canon = sorted(set(urls))
    found: set[str] = set()
    for part in chunks(canon):
        found |= set(session.exec(select(Article.url).where(Article.url.in_(part))).scalars())  # type: ignore[attr-defined,call-overload]
    return found


@dataclass(frozen=True)
class Stored:
    """The first stored article with a content hash: what an exact copy inherits."""

    id: int
    story_id: int
    status: str
    confidence: float
    evidence: list[str]


def first_with_hash(session: Session, hashes: set[str]) -> dict[str, Stored]:
    """The first stored article of each content hash: one query a chunk."""
    found: dict[str, Stored] = {}
    for part in chunks(sorted(hashes)):
        query = (
            select(
                Article.content_hash,
                Article.id,
                Article.story_id,
                Article.status,
                Article.confidence,
                Article.evidence,
            )
            .where(Article.content_hash.in_(part))  # type: ignore[attr-defined]
            .order_by(Article.id)  # type: ignore[arg-type]
        )
        for row in session.exec(query).all():  # type: ignore[call-overload]
            found.setdefault(row[0], Stored(*row[1:]))
    return found


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


def signatures_since(session: Session, after: int) -> list[tuple[int, int | None, bytes, datetime]]:
    """(id, story id, signature, published) of the articles stored after id `after`, in
    id order: the published time bounds which stored copies a new text is checked against."""
    rows = session.exec(  # type: ignore[call-overload]
        select(Article.id, Article.story_id, Article.minhash, Article.published)  # type: ignore[call-overload]
        .where(Article.id > after, Article.minhash.is_not(None))  # type: ignore[union-attr]
        .order_by(Article.id)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def indexed_count(session: Session, upto: int) -> int:
    """Articles up to id `upto` that a near-duplicate index holds (signed, in a story)."""
    return int(
        session.exec(  # type: ignore[call-overload]
            select(func.count(Article.id)).where(  # type: ignore[arg-type]
                Article.id <= upto,  # type: ignore[operator]
                Article.minhash.is_not(None),  # type: ignore[union-attr]
                Article.story_id.is_not(None),  # type: ignore[union-attr]
            )
        ).scalar_one()
    )


FUTURE_TOLERANCE = timedelta(minutes=5)
"""A published time further ahead of the fetch than this is flagged as estimated (clock
skew within it is not); any time ahead of the fetch is stored as the fetch time."""


def article_row(candidate: Candidate, url: str, fp: Fingerprint, now: datetime) -> dict[str, Any]:
    """The values a candidate is stored with, but for its story, status and copy's original."""
    published = as_utc(candidate.published)
    future = published is not None and published > now + FUTURE_TOLERANCE
    if published is not None and published > now:
        published = now  # a date ahead of the fetch would top "newest first" for ever
    return {
        "url": url,
        "original_url": candidate.url,
        "outlet": candidate.outlet or outlet_of(url),
        "source": candidate.source,
        "topic": candidate.topic,
        "title": candidate.title,
        "summary": candidate.summary,
        "text": candidate.text or "",
        "text_source": candidate.text_source,
        "extract_error": candidate.extract_error,
        "author": candidate.author,
        "language": candidate.language,
        "published": published or now,
        "published_estimated": published is None or future,
        "fetched": now,
        "content_hash": fp.content_hash,
        "minhash": fp.signature,
        "relevance": candidate.relevance,
        "duplicate_of": None,
    }


def insert_articles(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert articles in one statement per backend batch; their ids, in the rows' order.

    Each row's URL is unique (the table's unique key; ingest keeps one row per URL in a
    batch), so it finds each row's id in RETURNING whatever order that comes back in.
    On SQLite that is ~60 us per article less than a statement per row, which is how
    SQLAlchemy keeps the rows' order when asked to (`stories.insert_stories`). The
    statement is the table's, not the ORM entity's: the ORM's bulk insert splits a batch
    into a statement for each run of rows that leave the same columns None (a batch of
    new articles and exact copies, `duplicate_of` set on some, took three or four).
    """
    statement = insert(Article.__table__).returning(Article.url, Article.id)  # type: ignore[attr-defined]
    ids: dict[str, int] = dict(session.execute(statement, rows).tuples().all())
    return [ids[row["url"]] for row in rows]


Read = Callable[[Article], Classification]


def reread(
    engine: Engine,
    read: Read,
    *,
    batch: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int, int]:
    """Read every stored article again and store what changed, a batch per transaction.

    An article a person corrected keeps the correction: a reader, however new, does
    not overrule a person (`crawler.store.corrections`). Returns (articles, changed
    status, updated reading); `progress(done, total)` after each batch.
    """
    with session_scope(engine) as session:
        total = session.exec(select(func.count(Article.id))).scalar_one()  # type: ignore[call-overload]
    seen = changed = updated = 0
    last_id = 0
    while True:
        with session_scope(engine) as session:
            rows = (
                session.exec(  # type: ignore[call-overload]
                    select(Article).where(Article.id > last_id).order_by(Article.id).limit(batch)
                )
                .scalars()
                .all()
            )
            if not rows:
                break
            corrected = corrections_of(session, [a.id for a in rows])
            for article in rows:
                if article.id in corrected:
                    continue
                verdict = read(article)
                changed += verdict.status != article.status
                if (verdict.status, verdict.confidence, verdict.evidence) != (
                    article.status,
                    article.confidence,
                    list(article.evidence),
                ):
                    updated += 1
                    article.status = verdict.status
                    article.confidence = verdict.confidence
                    article.evidence = list(verdict.evidence)
                    session.add(article)
            seen += len(rows)
            last_id = rows[-1].id
        if progress is not None:
            progress(seen, total)
    return seen, changed, updated
