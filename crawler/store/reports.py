"""The crawler's stored state as plain data: what `--json` prints and the API returns.

One function per listing, shared by the CLI and the dashboard, so both say the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import desc, func, select
from sqlmodel import Session

from crawler.clock import iso
from crawler.fetch.urls import redact_text, redact_url
from crawler.store.corrections import correction_dict, corrections_of
from crawler.store.tables import Article, Correction, Source, Story


def article_dict(
    article: Article, *, with_text: bool = False, correction: Correction | None = None
) -> dict[str, Any]:
    """An article as listings show it; `corrected` says whether a person set its reading
    (then `correction` says who, where, when, and what the reading was before)."""
    data: dict[str, Any] = {
        "id": article.id,
        "url": article.url,
        "original_url": article.original_url,
        "title": article.title,
        "outlet": article.outlet,
        "language": article.language,
        "source": article.source,
        "topic": article.topic,
        "published": iso(article.published),
        "published_estimated": article.published_estimated,
        "fetched": iso(article.fetched),
        "story": article.story_id,
        "duplicate_of": article.duplicate_of,
        "status": article.status,
        "confidence": round(article.confidence, 3),
        "evidence": list(article.evidence),
        "text_source": article.text_source,
        "extract_error": article.extract_error,
        "corrected": correction is not None,
        "correction": correction_dict(correction) if correction is not None else None,
    }
    if with_text:
        data["text"] = article.text or article.summary
    return data


def list_articles(
    session: Session,
    *,
    status: str | None = None,
    outlet: str | None = None,
    topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 50,
    offset: int = 0,
    with_text: bool = False,
) -> list[dict[str, Any]]:
    query = select(Article).order_by(desc(Article.published), desc(Article.id))
    if status:
        query = query.where(Article.status == status)
    if outlet:
        query = query.where(Article.outlet == outlet)
    if topic:
        query = query.where(Article.topic == topic)
    if since is not None:
        query = query.where(Article.published >= since)
    if until is not None:
        query = query.where(Article.published < until)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    found = list(session.exec(query).scalars())  # type: ignore[call-overload]
    corrected = corrections_of(session, [a.id for a in found])
    return [article_dict(a, with_text=with_text, correction=corrected.get(a.id)) for a in found]


def list_stories(
    session: Session, *, topic: str | None = None, limit: int | None = 100
) -> list[dict[str, Any]]:
    query = select(Story).order_by(desc(Story.first_seen), desc(Story.id))
    if topic:
        query = query.where(Story.topic == topic)
    if limit is not None:
        query = query.limit(limit)
    stories = list(session.exec(query).scalars())  # type: ignore[call-overload]
    titles: dict[int, str] = {}
    if stories:
        first_ids = (
            select(func.min(Article.id))
            .where(Article.story_id.in_([s.id for s in stories]))  # type: ignore[union-attr]
            .group_by(Article.story_id)
        )
        rows = session.exec(  # type: ignore[call-overload]
            select(Article.story_id, Article.title).where(Article.id.in_(first_ids))  # type: ignore[union-attr]
        ).all()
        titles = {row[0]: row[1] for row in rows}
    return [
        {
            "id": s.id,
            "topic": s.topic,
            "first_seen": iso(s.first_seen),
            "last_seen": iso(s.last_seen),
            "articles": s.articles,
            "outlets": s.outlets,
            "title": titles.get(s.id or 0, ""),
        }
        for s in stories
    ]


def source_dict(source: Source) -> dict[str, Any]:
    """A source and its health, fit to show: credentials in its URL (and in an error
    quoting a URL) are redacted."""
    return {
        "name": source.name,
        "kind": source.kind,
        "url": redact_url(source.url),
        "topic": source.topic,
        "interval": source.interval_seconds,
        "last_polled": iso(source.last_polled_at),
        "last_success": iso(source.last_success_at),
        "last_error": redact_text(source.last_error) if source.last_error else None,
        "last_error_at": iso(source.last_error_at),
        "consecutive_failures": source.consecutive_failures,
        "polls": source.polls,
        "failures": source.failures,
        "next_poll": iso(source.next_poll_at),
        "next_poll_reason": source.next_poll_reason,
        "healthy": source.consecutive_failures == 0 and source.last_success_at is not None,
    }


def list_sources(session: Session, names: list[str] | None = None) -> list[dict[str, Any]]:
    query = select(Source).order_by(Source.name)
    if names is not None:
        query = query.where(Source.name.in_(names))  # type: ignore[attr-defined]
    return [source_dict(s) for s in session.exec(query).scalars()]  # type: ignore[call-overload]
