"""The notifier's stored state as plain data: shifts, the outbox, each topic's status.

One function per listing, shared by the CLI, the dashboard and alert payloads, so a
shift reads the same in `peacewatch shifts --json`, a webhook body and the web page.
Shapes follow the interface contract: shifts oldest first with `kind`, `from`, `to`,
`topic`, `detected_at` (ISO 8601 with a zone), `support` and `suppressed`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import asc, desc, select
from sqlmodel import Session

from crawler.clock import iso
from crawler.settings import TopicSettings
from crawler.store.tables import Article
from notifier.tables import Alert, DeliveryAttempt, Shift, TopicState


def evidence_article(article: Article) -> dict[str, Any]:
    """An article as a shift cites it: enough to judge the evidence without the text."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "outlet": article.outlet,
        "language": article.language,
        "status": article.status,
        "confidence": round(article.confidence, 3),
        "evidence": list(article.evidence),
    }


def article_brief(article: Article) -> dict[str, Any]:
    """An evidence article as alerts carry it."""
    return {
        "title": article.title,
        "url": article.url,
        "outlet": article.outlet,
        "language": article.language,
        "status": article.status,
        "published": iso(article.published),
        "evidence": list(article.evidence)[:3],
    }


def evidence_articles(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(Article).where(Article.id.in_(wanted))  # type: ignore[union-attr]
    return {a.id: evidence_article(a) for a in session.exec(query).scalars()}  # type: ignore[call-overload]


def shift_dict(
    shift: Shift, articles: Mapping[int, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The contract's shape; `suppressed` is null when the shift was raised.

    `articles` are the evidence articles by id; without them each is just `{id}`.
    """
    return {
        "id": shift.id,
        "kind": shift.kind,
        "from": shift.from_status,
        "to": shift.to_status,
        "topic": shift.topic,
        "detected_at": iso(shift.detected_at),
        "support": {"stories": shift.stories, "outlets": shift.outlets},
        "reasons": list(shift.reasons),
        "suppressed": shift.suppressed,
        "articles": [
            (articles or {}).get(i) or {"id": i}
            for i in shift.article_ids
            if articles is None or i in articles
        ],
        "details": dict(shift.details),
    }


def shifts_with_articles(session: Session, shifts: Sequence[Shift]) -> list[dict[str, Any]]:
    articles = evidence_articles(session, (i for s in shifts for i in s.article_ids))
    return [shift_dict(s, articles) for s in shifts]


def attempt_dict(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "at": iso(attempt.at),
        "outcome": attempt.outcome,
        "status_code": attempt.status_code,
        "error": attempt.error,
    }


def alert_dict(alert: Alert, attempts: Sequence[DeliveryAttempt] = ()) -> dict[str, Any]:
    return {
        "id": alert.id,
        "shift": alert.shift_id,
        "channel": alert.channel,
        "kind": alert.kind,
        "state": alert.state,
        "topic": alert.payload.get("topic"),
        "shifts": list(alert.payload.get("shift_ids", [])),
        "attempts": alert.attempts,
        "created_at": iso(alert.created_at),
        "next_attempt_at": iso(alert.next_attempt_at),
        "sent_at": iso(alert.sent_at),
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
    session: Session, *, state: str | None = None, limit: int | None = 200
) -> list[dict[str, Any]]:
    """The outbox, newest first: what a person checks when an alert did not arrive."""
    query = select(Alert).order_by(desc(Alert.id))
    if state:
        query = query.where(Alert.state == state)
    if limit is not None:
        query = query.limit(limit)
    alerts = list(session.exec(query).scalars())  # type: ignore[call-overload]
    attempts = _attempts(session, [a.id for a in alerts])
    return [alert_dict(a, attempts.get(a.id, [])) for a in alerts]


def list_shifts(
    session: Session,
    *,
    topic: str | None = None,
    newest_first: bool = False,
    limit: int | None = None,
    include_suppressed: bool = True,
) -> list[dict[str, Any]]:
    """Every decision, oldest first (the contract's order; `newest_first` for pages and
    feeds), each with its evidence articles and the deliveries it caused."""
    order = desc if newest_first else asc
    query = select(Shift).order_by(order(Shift.detected_at), order(Shift.id))
    if topic:
        query = query.where(Shift.topic == topic)
    if not include_suppressed:
        query = query.where(Shift.suppressed.is_(None))  # type: ignore[union-attr]
    if limit is not None:
        # The newest `limit`, still in the order asked for.
        newest = query.order_by(None).order_by(desc(Shift.detected_at), desc(Shift.id))
        ids = list(session.exec(newest.with_only_columns(Shift.id).limit(limit)).scalars())  # type: ignore[call-overload]
        query = query.where(Shift.id.in_(ids))  # type: ignore[union-attr]
    shifts = list(session.exec(query).scalars())  # type: ignore[call-overload]
    shift_ids = {s.id for s in shifts}
    alerts = [
        a
        for a in session.exec(select(Alert).where(Alert.kind != "health")).scalars()  # type: ignore[call-overload]
        if shift_ids.intersection(a.payload.get("shift_ids", []))
    ]
    attempts = _attempts(session, [a.id for a in alerts])
    by_shift: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for alert in alerts:
        for shift_id in alert.payload.get("shift_ids", []):
            by_shift[shift_id].append(alert_dict(alert, attempts.get(alert.id, [])))
    out = []
    for data in shifts_with_articles(session, shifts):
        data["deliveries"] = by_shift.get(data["id"], [])
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
        stored_groups = (state.state or {}).get("groups") if state else None
        out.append(
            {
                "topic": name,
                "title": titles.get(name, name),
                "status": state.status if state else "none",
                "since": iso(state.since) if state else None,
                "last_support_at": (state.state or {}).get("last_support_at") if state else None,
                "quiet": bool(state and state.status == "quiet"),
                "support": {
                    "stories": state.stories if state else 0,
                    "outlets": state.outlets if state else 0,
                },
                "updated_at": iso(state.updated_at) if state else None,
            }
        )
        if stored_groups:
            out[-1]["groups"] = {g: group_status(v) for g, v in sorted(stored_groups.items())}
    return out


def group_status(stored: Mapping[str, Any]) -> dict[str, Any]:
    """One outlet group's status (stored by `notifier.shifts.groups`) in the shape of
    the topic's, as `status --json` gives it."""
    return {
        "status": stored.get("status", "none"),
        "since": stored.get("since"),
        "support": {"stories": stored.get("stories", 0), "outlets": stored.get("outlets", 0)},
        "last_support_at": stored.get("last_support_at"),
    }


def support_line(shift: dict[str, Any]) -> str:
    """What backs a shift, counted as independence: copies of one story are one report."""
    stories, outlets = shift["support"]["stories"], shift["support"]["outlets"]
    text = (
        f"{stories} independent report{'s' if stories != 1 else ''} from "
        f"{outlets} outlet{'s' if outlets != 1 else ''}"
    )
    return f"{text} (single source)" if outlets == 1 else text
