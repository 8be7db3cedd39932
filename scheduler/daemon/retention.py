"""Retention: forget stories nobody has added to for longer than `[daemon] retention`.

Off by default (articles are kept). A story goes as a whole, with all its articles, so
no surviving article points at a deleted one and no story loses half its outlets. A
story with an article a person corrected stays: the correction is a training row for
`peacewatch train`, and it needs the article's text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from crawler.store.db import session_scope
from crawler.store.tables import Article, Correction, Story

BATCH = 500


def purge(engine: Engine, older_than: datetime) -> int:
    """Delete stories last seen before `older_than` and their articles, but those with a
    corrected article; the number of articles deleted."""
    deleted = 0
    corrected = (
        select(Article.story_id)  # type: ignore[call-overload]
        .join(Correction, Correction.article_id == Article.id)  # type: ignore[arg-type]
        .where(Article.story_id.is_not(None))  # type: ignore[union-attr]
    )
    while True:
        with session_scope(engine) as session:
            stories = list(
                session.exec(  # type: ignore[call-overload]
                    select(Story.id)
                    .where(Story.last_seen < older_than, Story.id.not_in(corrected))  # type: ignore[union-attr]
                    .limit(BATCH)
                ).scalars()
            )
            if not stories:
                return deleted
            doomed = select(Article.id).where(Article.story_id.in_(stories))  # type: ignore[union-attr]
            session.exec(  # type: ignore[call-overload]
                update(Article)
                .where(Article.duplicate_of.in_(doomed))  # type: ignore[union-attr]
                .values(duplicate_of=None)
            )
            result = session.exec(delete(Article).where(Article.story_id.in_(stories)))  # type: ignore[union-attr,call-overload]
            session.exec(delete(Story).where(Story.id.in_(stories)))  # type: ignore[union-attr,call-overload]
            deleted += int(result.rowcount or 0)
