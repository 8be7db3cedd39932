"""What the pages show, read from the database in one place so pages stay templates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import distinct, func, select
from sqlmodel import Session

from crawler.store.corrections import not_relevant_ids
from crawler.store.tables import Article, Story
from notifier.web.chart import ShiftMark


@dataclass(frozen=True)
class Counts:
    articles: int
    stories: int
    outlets: int


def counts(session: Session, topic: str | None = None) -> Counts:
    def scalar(query: Any) -> int:
        if topic is not None:
            query = query.where(Article.topic == topic)
        return int(session.exec(query).scalar_one() or 0)  # type: ignore[call-overload]

    stories = select(func.count()).select_from(Story)
    if topic is not None:
        stories = stories.where(Story.topic == topic)
    return Counts(
        articles=scalar(select(func.count()).select_from(Article)),
        stories=int(session.exec(stories).scalar_one() or 0),  # type: ignore[call-overload]
        outlets=scalar(select(func.count(distinct(Article.outlet)))),
    )


def daily_status_counts(
    session: Session, topic: str, now: datetime, days: int = 30
) -> list[tuple[date, dict[str, int]]]:
    """Stories per day per reported status: each story counted once per day and status.

    An article with no story (not yet clustered) counts as its own story; one a person
    called not about the topic does not count, as shift detection does not count it.
    """
    last = now.date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    rows = session.exec(  # type: ignore[call-overload]
        select(Article.published, Article.status, Article.story_id, Article.id).where(
            Article.topic == topic,
            Article.published >= start,
            Article.duplicate_of.is_(None),  # type: ignore[union-attr]
            Article.id.not_in(not_relevant_ids()),  # type: ignore[union-attr]
        )
    ).all()
    seen: dict[date, dict[str, set[tuple[str, int]]]] = defaultdict(lambda: defaultdict(set))
    for published, status, story_id, article_id in rows:
        day = published.astimezone(now.tzinfo).date()
        if first <= day <= last:
            key = ("s", story_id) if story_id is not None else ("a", article_id)
            seen[day][status].add(key)
    out = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        out.append((day, {s: len(keys) for s, keys in seen.get(day, {}).items()}))
    return out


def shift_marks(shifts: list[dict[str, Any]]) -> list[ShiftMark]:
    marks = []
    for shift in shifts:
        at = datetime.fromisoformat(shift["detected_at"])
        arrow = f"{shift['from'] or '—'} → {shift['to']}"
        label = f"{at:%d %b %H:%M} {shift['kind'].replace('_', ' ')}: {arrow}"
        if shift["suppressed"]:
            label += f" (suppressed: {shift['suppressed']})"
        marks.append(ShiftMark(at, label, shift["to"], bool(shift["suppressed"])))
    return marks


def story_sizes(session: Session, story_ids: set[int]) -> dict[int, tuple[int, int]]:
    """Articles and outlets of each story, for the `story size` column."""
    if not story_ids:
        return {}
    query = select(Story.id, Story.articles, Story.outlets).where(Story.id.in_(story_ids))  # type: ignore[union-attr]
    return {row[0]: (row[1], row[2]) for row in session.exec(query).all()}  # type: ignore[call-overload]


def outlets(session: Session) -> list[str]:
    query = select(Article.outlet).distinct().order_by(Article.outlet)
    return [row[0] for row in session.exec(query).all()]  # type: ignore[call-overload]
