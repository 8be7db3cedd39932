"""The notifier's stored state as plain data: what `--json` prints and the API returns.

One function per listing, shared by the CLI and the dashboard, so both say the same.
Shapes follow the interface contract: shifts oldest first with `kind`, `from`, `to`,
`topic`, `detected_at` (ISO 8601 with a zone), `support` and `suppressed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import asc, desc, select
from sqlmodel import Session

from crawler.models import Article
from crawler.settings import TopicSettings
from notifier.models import Alert, Shift, TopicState


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _evidence_articles(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(Article).where(Article.id.in_(wanted))  # type: ignore[union-attr]
    return {
        a.id: {
            "id": a.id,
            "title": a.title,
            "url": a.url,
            "outlet": a.outlet,
            "status": a.status,
            "confidence": round(a.confidence, 3),
            "evidence": list(a.evidence),
        }
        for a in session.exec(query).scalars()  # type: ignore[call-overload]
    }


def shift_dict(shift: Shift, articles: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": shift.id,
        "kind": shift.kind,
        "from": shift.from_status,
        "to": shift.to_status,
        "topic": shift.topic,
        "detected_at": _iso(shift.detected_at),
        "support": {"stories": shift.stories, "outlets": shift.outlets},
        "suppressed": shift.suppressed,
        "reasons": list(shift.reasons),
        "articles": [articles[i] for i in shift.article_ids if i in articles],
    }


def list_shifts(
    session: Session,
    *,
    topic: str | None = None,
    newest_first: bool = False,
    limit: int | None = None,
    include_suppressed: bool = True,
) -> list[dict[str, Any]]:
    """Shifts oldest first (the contract's order); `newest_first` for feeds and pages."""
    order = desc if newest_first else asc
    query = select(Shift).order_by(order(Shift.detected_at), order(Shift.id))
    if topic:
        query = query.where(Shift.topic == topic)
    if not include_suppressed:
        query = query.where(Shift.suppressed.is_(None))  # type: ignore[union-attr]
    if limit is not None:
        query = query.limit(limit)
    shifts = list(session.exec(query).scalars())  # type: ignore[call-overload]
    articles = _evidence_articles(session, (i for s in shifts for i in s.article_ids))
    return [shift_dict(s, articles) for s in shifts]


def alert_dict(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "shift": alert.shift_id,
        "channel": alert.channel,
        "kind": alert.kind,
        "state": alert.state,
        "attempts": alert.attempts,
        "created_at": _iso(alert.created_at),
        "next_attempt_at": _iso(alert.next_attempt_at),
        "sent_at": _iso(alert.sent_at),
        "last_error": alert.last_error,
        "idempotency_key": alert.idempotency_key,
    }


def list_alerts(
    session: Session, *, state: str | None = None, limit: int | None = 200
) -> list[dict[str, Any]]:
    """The outbox, newest first: what a person checks when an alert did not arrive."""
    query = select(Alert).order_by(desc(Alert.created_at), desc(Alert.id))
    if state:
        query = query.where(Alert.state == state)
    if limit is not None:
        query = query.limit(limit)
    return [alert_dict(a) for a in session.exec(query).scalars()]  # type: ignore[call-overload]


def topic_status(session: Session, topics: Iterable[TopicSettings]) -> list[dict[str, Any]]:
    """The status each configured topic last settled on; `none` before any reading."""
    states = {s.topic: s for s in session.exec(select(TopicState)).scalars()}  # type: ignore[call-overload]
    out = []
    for topic in topics:
        state = states.get(topic.name)
        out.append(
            {
                "topic": topic.name,
                "title": topic.display_name,
                "status": state.status if state else "none",
                "since": _iso(state.since) if state else None,
                "support": {
                    "stories": state.stories if state else 0,
                    "outlets": state.outlets if state else 0,
                },
                "updated_at": _iso(state.updated_at) if state else None,
            }
        )
    return out
