"""Stories: created with the batch that starts them, recounted when articles join.

A story's article and outlet counts and its first-seen time are worked out from its
articles: a new story's from the batch's rows before its insert, an older one's from
the table after each batch, one statement per kind, so they never drift from the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from crawler.clock import as_utc
from crawler.store.articles import chunks
from crawler.store.tables import Article, Story


def story_row(topic: str, first_seen: datetime, now: datetime) -> dict[str, Any]:
    """A new story's values: its counts come with the recount after its articles."""
    return {"topic": topic, "first_seen": first_seen, "last_seen": now, "articles": 0, "outlets": 0}


def count_new(rows: list[dict[str, Any]], articles: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Give the stories a batch starts (`rows`, before their insert) the counts and
    first-seen time `recount` would: all their articles are in the batch, `articles` as
    (story, values), a new story numbered -1, -2, ... So they need no recount, which
    cost two queries and an update a story (7% of the crawling process's CPU storing
    every entry of the feed benchmark, where nearly every entry starts a story)."""
    members: dict[int, list[dict[str, Any]]] = {}
    for story, values in articles:
        if story < 0:
            members.setdefault(-story - 1, []).append(values)
    for k, joined in members.items():
        row = rows[k]
        row["articles"] = len(joined)
        row["outlets"] = len({v["outlet"] for v in joined if v["outlet"] is not None})
        times = [t for v in joined if (t := as_utc(v["published"])) is not None]
        first, earliest = as_utc(row["first_seen"]), min(times, default=None)
        if earliest is not None and (first is None or earliest < first):
            row["first_seen"] = earliest


def insert_stories(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert stories; their ids, in the rows' order.

    On SQLite, which does not promise the order of RETURNING, SQLAlchemy keeps that
    order by inserting one row per statement: a batch starts few stories.
    """
    statement = insert(Story).returning(Story.id, sort_by_parameter_order=True)  # type: ignore[call-overload]
    return list(session.execute(statement, rows).scalars())


def recount(session: Session, story_ids: Iterable[int], now: datetime) -> None:
    """Recount the stories' articles and outlets, and move first-seen to their earliest
    article's publication: one statement per kind a chunk."""
    params: list[dict[str, Any]] = []
    for part in chunks(sorted(story_ids)):
        firsts = dict(
            session.exec(  # type: ignore[call-overload]
                select(Story.id, Story.first_seen).where(Story.id.in_(part))  # type: ignore[union-attr]
            ).all()
        )
        counts = session.exec(  # type: ignore[call-overload]
            select(
                Article.story_id,
                func.count(Article.id),
                func.count(func.distinct(Article.outlet)),
                func.min(Article.published),
            )
            .where(Article.story_id.in_(part))  # type: ignore[union-attr]
            .group_by(Article.story_id)
        ).all()
        for story_id, articles, outlets, first in counts:
            if story_id not in firsts:
                continue
            first_seen = as_utc(firsts[story_id])
            first = as_utc(first)
            if first is not None and (first_seen is None or first < first_seen):
                first_seen = first
            params.append(
                {
                    "id": story_id,
                    "articles": articles,
                    "outlets": outlets,
                    "last_seen": now,
                    "first_seen": first_seen,
                }
            )
    if params:
        session.execute(update(Story), params)
