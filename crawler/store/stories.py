"""Stories: created with the batch that starts them, recounted when articles join.

A story's article and outlet counts and its first-seen time are worked out from its
articles: a new story's from the batch's rows before its insert, an older one's from
the table after each batch, one statement per kind, so they never drift from the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update
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

    SQLite does not promise the order of RETURNING, and SQLAlchemy keeps the rows' order
    there by inserting one row per statement (storing every entry of the feed
    benchmark, a statement an entry). But SQLite gives each row of a multi-row INSERT
    the rowid after the largest one, in the order of its VALUES, so the ids sorted are
    the rows' order.
    """
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        table = Story.__table__  # type: ignore[attr-defined]
        ids: list[int] = sorted(
            session.execute(insert(table).returning(table.c.id), rows).scalars()
        )
        if len(ids) != len(rows):
            raise RuntimeError(f"inserted {len(rows)} stories, {len(ids)} ids came back")
        return ids
    statement = insert(Story).returning(Story.id, sort_by_parameter_order=True)  # type: ignore[call-overload]
    return list(session.execute(statement, rows).scalars())


def recount(session: Session, story_ids: Iterable[int], now: datetime) -> None:
    """Recount the stories' articles and outlets, and move first-seen to their earliest
    article's publication: one statement a chunk, worked out in the database (three
    statements, two of them reads, cost a batch that joined older stories about a
    millisecond of CPU)."""
    table = Story.__table__  # type: ignore[attr-defined]
    of_story = Article.story_id == table.c.id
    # Grouped, so PostgreSQL does not turn the min into a walk of the published index
    # from its oldest entry until one of the story's articles turns up (at 50,000
    # stored, 90 ms a story whose articles are recent).
    earliest = (
        select(func.min(Article.published))
        .where(of_story)
        .group_by(Article.story_id)  # type: ignore[arg-type]
        .scalar_subquery()
    )
    for part in chunks(sorted(story_ids)):
        session.execute(
            update(table)
            .where(table.c.id.in_(part))
            .values(
                articles=select(func.count(Article.id)).where(of_story).scalar_subquery(),  # type: ignore[arg-type]
                outlets=select(func.count(func.distinct(Article.outlet)))
                .where(of_story)
                .scalar_subquery(),
                first_seen=case(
                    (earliest < table.c.first_seen, earliest), else_=table.c.first_seen
                ),
                last_seen=now,
            )
        )
