"""Detection against the database: read articles, decide, record shifts and their alerts.

`detect_and_record` runs the pure detector once per topic and writes, in one
transaction per topic, the decisions (raised and suppressed: the audit trail), the
detector's next state, and the alert rows of the raised shifts (the outbox) — so an
alert can be late but never lost.

Routing, per channel: `min_kind` drops shifts of a lesser kind (surge <
status_change < decisive_status); `digest` collects the day's shifts into one
alert due at `alerts.digest_time` (UTC); otherwise alerts are due after `group_wait`,
and a shift raised while an alert of the same topic and channel is still waiting
joins it instead of making a second message. A one-off crawl passes no group wait:
its batch is one group, due at once. A silence records the shift as suppressed and
sends nothing; the detector still counts it as alerted, so its cooldown holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.clock import as_utc, utcnow
from crawler.settings import TopicSettings
from crawler.store.corrections import not_relevant_ids
from crawler.store.db import session_scope
from crawler.store.tables import Article
from notifier.reports import article_brief, shift_dict
from notifier.settings import SHIFT_KINDS, AlertSettings, ChannelSettings
from notifier.shifts.detect import Decision, DetectorState, Observation, detect_shifts, lookback
from notifier.shifts.groups import OutletGroups, group_states
from notifier.tables import Alert, Shift, Silence, TopicState


def load_observations(
    session: Session,
    topic: str,
    since: datetime,
    until: datetime,
    capped: Collection[str] = (),
) -> list[Observation]:
    """The topic's articles published in (since, until] as coverage; `capped` names the
    sources that add at most one outlet (configured sources other than aggregators). An
    article a person called not about the topic is none (a corrected status needs
    nothing here: it is the stored status)."""
    rows = session.exec(  # type: ignore[call-overload]
        select(  # type: ignore[call-overload]
            Article.id,
            Article.story_id,
            Article.outlet,
            Article.status,
            Article.confidence,
            Article.published,
            Article.source,
        )
        .where(
            Article.topic == topic,
            Article.story_id.is_not(None),  # type: ignore[union-attr]
            Article.published > since,
            Article.published <= until,
            Article.id.not_in(not_relevant_ids()),  # type: ignore[union-attr]
        )
        .order_by(Article.id)
    ).all()
    return [
        Observation(r[0], r[1], r[2], r[3], r[4], as_utc(r[5]), r[6], r[6] in capped)  # type: ignore[arg-type]
        for r in rows
    ]


def active_silence(session: Session, topic: str, now: datetime) -> Silence | None:
    query = (
        select(Silence)
        .where(Silence.topic == topic, Silence.starts_at <= now, Silence.ends_at > now)
        .order_by(Silence.id)
    )
    return session.exec(query).scalars().first()  # type: ignore[call-overload]


def wants(channel: ChannelSettings, kind: str) -> bool:
    return SHIFT_KINDS.index(kind) >= SHIFT_KINDS.index(channel.min_kind)


def next_digest(now: datetime, settings: AlertSettings) -> datetime:
    hour, minute = (int(p) for p in settings.digest_time.split(":"))
    due = datetime.combine(now.date(), time(hour, minute), tzinfo=now.tzinfo)
    return due if due > now else due + timedelta(days=1)


def detect_and_record(
    engine: Engine,
    topics: Sequence[TopicSettings],
    alerts: AlertSettings,
    channels: Sequence[ChannelSettings],
    now: datetime | None = None,
    *,
    group_wait: timedelta | None = None,
    capped: Collection[str] = (),
    groups: OutletGroups | None = None,
) -> list[Shift]:
    """Detect shifts for every topic at `now` and record them with their alerts.

    Returns every decision recorded (raised and suppressed), oldest topic first.
    The daemon passes `group_wait=alerts.group_wait`; a one-off crawl passes none.
    `capped` names the configured sources that count as one outlet each (all but
    aggregators), so one feed's many host spellings back nothing alone. `groups`, when
    sources or outlets carry a group, adds each group's status to the topic's state.
    """
    now = as_utc(now) or utcnow()
    recorded: list[Shift] = []
    for topic in topics:
        with session_scope(engine) as session:
            recorded += _detect_topic(
                session, topic, alerts, channels, now, group_wait, frozenset(capped), groups
            )
    return recorded


def _lock_state(session: Session, topic: str, now: datetime) -> TopicState:
    """Take the topic's row lock first, so two workers never decide on the same state.

    The UPDATE is the first statement: on SQLite it takes the write lock, on
    PostgreSQL the row lock; a concurrent run waits and then sees this one's result.
    """
    touched = session.exec(  # type: ignore[call-overload]
        update(TopicState).where(TopicState.topic == topic).values(updated_at=now)
    )
    if touched.rowcount == 0:
        session.add(TopicState(topic=topic, updated_at=now))
        session.flush()
    state = session.get(TopicState, topic, populate_existing=True)
    assert state is not None
    return state


def _detect_topic(
    session: Session,
    topic: TopicSettings,
    settings: AlertSettings,
    channels: Sequence[ChannelSettings],
    now: datetime,
    group_wait: timedelta | None,
    capped: frozenset[str],
    groups: OutletGroups | None = None,
) -> list[Shift]:
    row = _lock_state(session, topic.name, now)
    previous = (row.state or {}).get("groups", {})
    observations = load_observations(session, topic.name, now - lookback(settings), now, capped)
    detection = detect_shifts(observations, DetectorState.from_json(row.state), settings, now)
    silence = active_silence(session, topic.name, now)
    shifts = [_record(session, topic.name, d, now, silence) for d in detection.decisions]
    raised = [s for s in shifts if s.suppressed is None]
    if raised:
        _enqueue(session, topic, raised, settings, channels, now, group_wait)
    state = detection.state
    row.status, row.since = state.status, state.since
    row.stories, row.outlets = detection.support
    row.state = state.to_json()
    if groups is not None and groups.names:
        row.state["groups"] = group_states(observations, previous, groups, settings, now)
    row.updated_at = now
    session.add(row)
    return shifts


def _record(
    session: Session, topic: str, decision: Decision, now: datetime, silence: Silence | None
) -> Shift:
    suppressed = decision.suppressed
    if suppressed is None and silence is not None:
        suppressed = f"silence #{silence.id} until {silence.ends_at.isoformat()}"
    shift = Shift(
        topic=topic,
        kind=decision.kind,
        from_status=decision.from_status,
        to_status=decision.to_status,
        stories=decision.stories,
        outlets=decision.outlets,
        detected_at=now,
        suppressed=suppressed,
        reasons=list(decision.reasons),
        article_ids=list(decision.article_ids),
        details=decision.details,
    )
    session.add(shift)
    session.flush()
    return shift


def _enqueue(
    session: Session,
    topic: TopicSettings,
    shifts: list[Shift],
    settings: AlertSettings,
    channels: Sequence[ChannelSettings],
    now: datetime,
    group_wait: timedelta | None,
) -> None:
    for channel in channels:
        mine = [s for s in shifts if wants(channel, s.kind)]
        if not mine:
            continue
        kind = "digest" if channel.digest else "shift"
        due = next_digest(now, settings) if channel.digest else now + (group_wait or timedelta(0))
        waiting = _waiting_alert(session, channel.name, topic.name, kind, now)
        if waiting is not None:
            waiting.payload = _payload(session, topic, kind, [*_shifts_of(session, waiting), *mine])
            session.add(waiting)
            continue
        session.add(
            Alert(
                shift_id=mine[0].id,
                channel=channel.name,
                kind=kind,
                state="pending",
                created_at=now,
                next_attempt_at=due,
                idempotency_key=f"pw-{uuid.uuid4().hex}",
                payload=_payload(session, topic, kind, mine),
            )
        )


def _waiting_alert(
    session: Session, channel: str, topic: str, kind: str, now: datetime
) -> Alert | None:
    """An alert of this channel and topic still in its group wait (or digest), if any."""
    query = (
        select(Alert)
        .where(
            Alert.channel == channel,
            Alert.kind == kind,
            Alert.state == "pending",
            Alert.attempts == 0,
            Alert.next_attempt_at > now,
            Alert.lease_owner.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Alert.id)
        .with_for_update()
    )
    for alert in session.exec(query).scalars():  # type: ignore[call-overload]
        if alert.payload.get("topic") == topic:
            return alert
    return None


def _shifts_of(session: Session, alert: Alert) -> list[Shift]:
    ids = list(alert.payload.get("shift_ids", []))
    found = session.exec(select(Shift).where(Shift.id.in_(ids))).scalars()  # type: ignore[union-attr,call-overload]
    return sorted(found, key=lambda s: (s.detected_at, s.id))


def _payload(
    session: Session, topic: TopicSettings, kind: str, shifts: list[Shift]
) -> dict[str, Any]:
    """What the alert will say, frozen now so every retry sends the same body."""
    ids: list[int] = []
    for shift in shifts:
        ids += [i for i in shift.article_ids if i not in ids]
    articles = {
        a.id: a
        for a in session.exec(select(Article).where(Article.id.in_(ids))).scalars()  # type: ignore[union-attr,call-overload]
    }
    shift_data = []
    for shift in shifts:
        data = shift_dict(shift)
        data.pop("details", None)
        data.pop("suppressed", None)
        shift_data.append(data)
    return {
        "kind": kind,
        "topic": topic.name,
        "topic_title": topic.display_name,
        "shift_ids": [s.id for s in shifts],
        "shifts": shift_data,
        "articles": [article_brief(articles[i]) for i in ids if i in articles],
    }
