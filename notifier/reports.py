"""The notifier's stored state as plain data: shifts, the outbox, each topic's status.

One function per listing, shared by the CLI, the dashboard and alert payloads, so a
shift reads the same in `peacewatch shifts --json`, a webhook body and the web page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from crawler.models import Article
from crawler.settings import TopicSettings
from notifier.models import Alert, DeliveryAttempt, Shift, TopicState


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def shift_dict(shift: Shift) -> dict[str, Any]:
    """The contract's shape; `suppressed` is null when the shift was raised."""
    return {
        "id": shift.id,
        "kind": shift.kind,
        "from": shift.from_status,
        "to": shift.to_status,
        "topic": shift.topic,
        "detected_at": _iso(shift.detected_at),
        "support": {"stories": shift.stories, "outlets": shift.outlets},
        "reasons": list(shift.reasons),
        "suppressed": shift.suppressed,
        "articles": list(shift.article_ids),
        "details": dict(shift.details),
    }


def article_brief(article: Article) -> dict[str, Any]:
    """An evidence article as alerts carry it."""
    return {
        "title": article.title,
        "url": article.url,
        "outlet": article.outlet,
        "status": article.status,
        "published": _iso(article.published),
        "evidence": list(article.evidence)[:3],
    }


def attempt_dict(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "at": _iso(attempt.at),
        "outcome": attempt.outcome,
        "status_code": attempt.status_code,
        "error": attempt.error,
    }


def alert_dict(alert: Alert, attempts: Sequence[DeliveryAttempt] = ()) -> dict[str, Any]:
    return {
        "id": alert.id,
        "channel": alert.channel,
        "kind": alert.kind,
        "state": alert.state,
        "topic": alert.payload.get("topic"),
        "shifts": list(alert.payload.get("shift_ids", [])),
        "attempts": alert.attempts,
        "created_at": _iso(alert.created_at),
        "next_attempt_at": _iso(alert.next_attempt_at) if alert.state == "pending" else None,
        "sent_at": _iso(alert.sent_at),
        "last_error": alert.last_error,
        "idempotency_key": alert.idempotency_key,
        "delivery_attempts": [attempt_dict(a) for a in attempts],
    }


def _attempts(session: Session, alert_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    found: dict[int, list[DeliveryAttempt]] = defaultdict(list)
    if not alert_ids:
        return found
    query = (
        select(DeliveryAttempt)
        .where(DeliveryAttempt.alert_id.in_(alert_ids))  # type: ignore[attr-defined]
        .order_by(DeliveryAttempt.at, DeliveryAttempt.id)
    )
    for attempt in session.exec(query).scalars():  # type: ignore[call-overload]
        found[attempt.alert_id].append(attempt)
    return found


def list_alerts(
    session: Session, *, state: str | None = None, limit: int | None = 100
) -> list[dict[str, Any]]:
    """The outbox, newest first."""
    query = select(Alert).order_by(Alert.id.desc())  # type: ignore[union-attr]
    if state:
        query = query.where(Alert.state == state)
    if limit is not None:
        query = query.limit(limit)
    alerts = list(session.exec(query).scalars())  # type: ignore[call-overload]
    attempts = _attempts(session, [a.id for a in alerts])
    return [alert_dict(a, attempts.get(a.id, [])) for a in alerts]


def list_shifts(
    session: Session, *, topic: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Every decision, oldest first, each with the deliveries it caused and their attempts."""
    query = select(Shift).order_by(Shift.detected_at, Shift.id)
    if topic:
        query = query.where(Shift.topic == topic)
    shifts = list(session.exec(query).scalars())  # type: ignore[call-overload]
    if limit is not None:
        shifts = shifts[-limit:]
    alerts = list(session.exec(select(Alert)).scalars())  # type: ignore[call-overload]
    attempts = _attempts(session, [a.id for a in alerts])
    by_shift: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for alert in alerts:
        for shift_id in alert.payload.get("shift_ids", []):
            by_shift[shift_id].append(alert_dict(alert, attempts.get(alert.id, [])))
    out = []
    for shift in shifts:
        data = shift_dict(shift)
        data["deliveries"] = by_shift.get(shift.id or 0, [])
        out.append(data)
    return out


def topic_status(
    session: Session, topics: Sequence[TopicSettings] | None = None
) -> list[dict[str, Any]]:
    """Each topic's settled status: what `status --json` and the dashboard show."""
    states = {s.topic: s for s in session.exec(select(TopicState)).scalars()}  # type: ignore[call-overload]
    names = [t.name for t in topics] if topics is not None else sorted(states)
    titles = {t.name: t.display_name for t in topics or []}
    out = []
    for name in names:
        state = states.get(name)
        out.append(
            {
                "topic": name,
                "title": titles.get(name, name),
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
