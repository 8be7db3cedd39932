"""A person's corrections of an article's reading: stored, applied at once, kept.

A correction is the last word on one article. It is written into the article's own
reading (status, relevance, confidence, evidence), because that is what shift detection
and every listing already read, so the next detection pass sees it without knowing
corrections exist. The `corrections` row remembers that a person said so: `reclassify`
leaves such articles alone, listings show the reading as corrected, shift detection
drops an article a person called not relevant, and `labelled` hands the corrected
articles to training in the corpus's own shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, false, select
from sqlmodel import Session

from crawler.clock import iso, utcnow
from crawler.model import STATUSES
from crawler.store.tables import Article, Correction

ORIGINS = ("cli", "dashboard")
"""Where a correction can come from."""

CORRECTED = "Corrected by a person"
"""How a corrected reading's evidence begins, so whoever reads it knows why."""


class CorrectionError(ValueError):
    """The correction cannot be stored; the message is one line for the user."""


def check_status(status: str) -> str:
    """The status if it is one of the taxonomy's, else a `CorrectionError` naming them."""
    if status not in STATUSES:
        raise CorrectionError(f"unknown status {status!r} (one of: {', '.join(STATUSES)})")
    return status


def _evidence(status: str, relevant: bool, origin: str, when: datetime) -> list[str]:
    said = f"{status}" if relevant else f"{status}, and not about the topic"
    return [f"{CORRECTED} ({origin}, {when.strftime('%Y-%m-%d %H:%M UTC')}): {said}."]


def correct(
    session: Session,
    article_id: int,
    status: str,
    *,
    relevant: bool = True,
    origin: str = "cli",
    author: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store a person's reading of one article and make it the article's reading.

    A second correction of the same article replaces the first (the reading it
    replaced stays the classifier's, not the earlier correction's). The article's row
    is locked first, so two people correcting it at once are applied one after the
    other. Returns the correction as `correction_dict` shows it.
    """
    check_status(status)
    if origin not in ORIGINS:
        raise CorrectionError(f"unknown origin {origin!r} (one of: {', '.join(ORIGINS)})")
    article = (
        session.exec(select(Article).where(Article.id == article_id).with_for_update())  # type: ignore[call-overload,arg-type]
        .scalars()
        .first()
    )
    if article is None:
        raise CorrectionError(f"no article with id {article_id}")
    when = now or utcnow()
    row = (
        session.exec(  # type: ignore[call-overload]
            select(Correction).where(Correction.article_id == article_id)  # type: ignore[arg-type]
        )
        .scalars()
        .first()
    )
    if row is None:
        row = Correction(
            article_id=article_id,
            status=status,
            previous_status=article.status,
            previous_relevance=article.relevance,
        )
    row.status, row.relevant, row.corrected_at = status, relevant, when
    row.origin, row.author = origin, author[:200] if author else None
    article.status = status
    article.relevance = 1.0 if relevant else 0.0
    article.confidence = 1.0
    article.evidence = _evidence(status, relevant, origin, when)
    session.add(article)
    session.add(row)
    session.flush()
    return correction_dict(row)


def correction_dict(row: Correction) -> dict[str, Any]:
    return {
        "article": row.article_id,
        "status": row.status,
        "relevant": row.relevant,
        "corrected_at": iso(row.corrected_at),
        "origin": row.origin,
        "author": row.author,
        "previous_status": row.previous_status,
    }


def corrections_of(session: Session, ids: Sequence[int]) -> dict[int, Correction]:
    """The corrections of these articles, by article id: one query."""
    if not ids:
        return {}
    rows = session.exec(  # type: ignore[call-overload]
        select(Correction).where(Correction.article_id.in_(list(ids)))  # type: ignore[attr-defined]
    ).scalars()
    return {row.article_id: row for row in rows}


def not_relevant_ids() -> Select[tuple[int]]:
    """Ids of the articles a person called not about their topic, as a subquery for
    whoever reads articles as coverage (shift detection)."""
    return select(Correction.article_id).where(Correction.relevant == false())  # type: ignore[call-overload]


def labelled(session: Session) -> list[dict[str, Any]]:
    """Every corrected article as a training row, in the shape of the shipped corpus.

    `{id, title, text, lang, date, outlet, relevant, status, provenance}`, oldest
    correction first; `text` is the extracted text, else the feed's summary, and `date`
    the article's published day. `peacewatch train` reads these beside the corpus.
    """
    query = (
        select(Correction, Article)
        .join(Article, Article.id == Correction.article_id)  # type: ignore[arg-type]
        .order_by(Correction.corrected_at, Correction.id)  # type: ignore[arg-type]
    )
    rows = []
    for correction, article in session.exec(query).all():  # type: ignore[call-overload]
        rows.append(
            {
                "id": f"correction-{article.id}",
                "title": article.title,
                "text": article.text or article.summary,
                "lang": article.language,
                "date": article.published.date().isoformat(),
                "outlet": article.outlet,
                "relevant": correction.relevant,
                "status": correction.status,
                "provenance": {
                    "url": article.url,
                    "corrected_at": iso(correction.corrected_at),
                    "via": correction.origin,
                    "by": correction.author,
                },
            }
        )
    return rows
