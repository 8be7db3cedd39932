"""Source rows: configured sources mirrored into the database, and their health.

The config says which sources exist; the table remembers what polling them showed
(ETag, Last-Modified, last success, last error, consecutive failures).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from crawler.settings import SourceSettings
from crawler.store.tables import Source


def sync_sources(session: Session, sources: Sequence[SourceSettings]) -> dict[str, Source]:
    """Make a row for every configured source and refresh its settings; keep its health.

    Workers starting together may create the same rows: the inserts skip names another
    worker has just written, and every row is then read back.
    """
    _insert_missing(session, sources)
    rows = sources_named(session, [s.name for s in sources])
    for settings in sources:
        row = rows[settings.name]
        if row.url != str(settings.url):
            row.etag = row.last_modified = None
        row.kind, row.url, row.topic = settings.kind, str(settings.url), settings.topic or ""
        row.interval_seconds = settings.interval.total_seconds()
        session.add(row)
    session.flush()
    return rows


def sources_named(session: Session, names: Sequence[str]) -> dict[str, Source]:
    """The rows of these sources, by name: one query."""
    return {
        row.name: row
        for row in session.exec(select(Source).where(Source.name.in_(list(names)))).scalars()  # type: ignore[attr-defined,call-overload]
    }


def _insert_missing(session: Session, sources: Sequence[SourceSettings]) -> None:
    values = [
        {"name": s.name, "kind": s.kind, "url": str(s.url), "topic": s.topic or "", "state": {}}
        for s in sources
    ]
    if not values:
        return
    # The dialect's module is imported here, not at the top: PostgreSQL's modules were
    # ~80 ms of every SQLite process's start-up.
    dialect = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    insert = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert
    statement = insert(Source).values(values).on_conflict_do_nothing(index_elements=["name"])
    session.exec(statement)  # type: ignore[call-overload]


def record_success(
    row: Source,
    now: datetime,
    *,
    new_articles: int,
    etag: str | None = None,
    last_modified: str | None = None,
    final_url: str | None = None,
) -> None:
    row.polls += 1
    row.last_polled_at = row.last_success_at = now
    row.consecutive_failures = 0
    row.etag, row.last_modified = etag, last_modified
    if final_url:
        row.final_url = final_url
    if new_articles:
        row.last_new_at = now


def record_failure(row: Source, now: datetime, error: str, *, penalise: bool = True) -> None:
    """A failed poll; `penalise=False` when it is not the source's fault (offline)."""
    row.polls += 1
    row.failures += 1
    if penalise:
        row.consecutive_failures += 1
    row.last_polled_at = row.last_error_at = now
    row.last_error = error
