"""Row leases: how several workers on one database share work without doing it twice.

A worker claims a due row by writing its name and an expiry into `lease_owner` and
`lease_until`. On PostgreSQL the candidates are read with `FOR UPDATE SKIP LOCKED`, so
workers racing for the same rows each get different ones without waiting; on SQLite
(one writer at a time) a conditional UPDATE decides. A worker that dies keeps its
lease only until it expires; then the row is due again for everyone.

Also here: `exclusive`, a PostgreSQL advisory lock for work only one worker may do at a
time (shift detection, retention).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.store.tables import Source


def lease_free(model: Any, now: datetime) -> Any:
    return or_(model.lease_until.is_(None), model.lease_until <= now)


def claim_rows(
    session: Session,
    model: Any,
    due: Any,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    order_by: Sequence[Any] = (),
    limit: int | None = None,
) -> list[int]:
    """Lease rows matching `due` whose lease is free; ids of the rows now held.

    The caller commits (before doing the work, so other workers see the lease).
    """
    condition = and_(due, lease_free(model, now))
    query = select(model.id).where(condition).order_by(*order_by, model.id)
    if limit is not None:
        query = query.limit(limit)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query).scalars())  # type: ignore[call-overload]
    if not ids:
        return []
    values = {"lease_owner": owner, "lease_until": now + lease}
    if postgres:  # the rows are locked by us: no one else can take them meanwhile
        session.exec(update(model).where(model.id.in_(ids)).values(**values))  # type: ignore[call-overload]
        return ids
    # One conditional UPDATE decides (SQLite has one writer at a time); the rows now
    # carrying this worker's name and this very expiry are the ones it won.
    session.exec(update(model).where(model.id.in_(ids), condition).values(**values))  # type: ignore[call-overload]
    won = select(model.id).where(
        model.id.in_(ids), model.lease_owner == owner, model.lease_until == values["lease_until"]
    )
    held = set(session.exec(won).scalars())  # type: ignore[call-overload]
    return [row_id for row_id in ids if row_id in held]


def source_due(now: datetime) -> Any:
    return or_(Source.next_poll_at.is_(None), Source.next_poll_at <= now)  # type: ignore[union-attr]


def claim_sources(
    session: Session,
    owner: str,
    now: datetime,
    lease: timedelta,
    *,
    names: Sequence[str] | None = None,
    limit: int | None = None,
    due_by: datetime | None = None,
) -> list[Source]:
    """Lease the due sources among `names` (all when None); the rows held, due first.

    `due_by` (later than `now`) also takes sources falling due by then, so that a
    worker claims the next moment's sources together; leases are judged at `now`."""
    due = source_due(due_by or now)
    if names is not None:
        due = and_(due, Source.name.in_(list(names)))  # type: ignore[attr-defined]
    ids = claim_rows(
        session,
        Source,
        due,
        owner=owner,
        now=now,
        lease=lease,
        order_by=[Source.next_poll_at],
        limit=limit,
    )
    if not ids:
        return []
    rows = session.exec(select(Source).where(Source.id.in_(ids))).scalars()  # type: ignore[union-attr,call-overload]
    return sorted(rows, key=lambda r: (r.next_poll_at is not None, r.next_poll_at, r.id))


def holds(row: Any, owner: str, now: datetime) -> bool:
    return row.lease_owner == owner and row.lease_until is not None and row.lease_until > now


def release(row: Any) -> None:
    row.lease_owner = None
    row.lease_until = None


def renew(session: Session, model: Any, ids: Sequence[int], owner: str, until: datetime) -> int:
    """Extend this worker's leases on rows it is still working on; how many it still held."""
    if not ids:
        return 0
    result = session.exec(  # type: ignore[call-overload]
        update(model)
        .where(model.id.in_(list(ids)), model.lease_owner == owner)
        .values(lease_until=until)
    )
    return int(result.rowcount or 0)


def release_owner(session: Session, model: Any, owner: str) -> int:
    """Give back every lease `owner` holds (a clean shutdown): the work is due again."""
    result = session.exec(  # type: ignore[call-overload]
        update(model).where(model.lease_owner == owner).values(lease_owner=None, lease_until=None)
    )
    return int(result.rowcount or 0)


def release_all(session: Session, model: Any) -> int:
    """Drop every lease: only for a worker that knows it is alone (SQLite's lock file)."""
    result = session.exec(  # type: ignore[call-overload]
        update(model)
        .where(model.lease_owner.is_not(None))
        .values(lease_owner=None, lease_until=None)
    )
    return int(result.rowcount or 0)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name."""
    value = zlib.crc32(f"peacewatch:{name}".encode())
    return value - (1 << 31) if value >= (1 << 31) else value


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Hold a PostgreSQL advisory lock named `name` if no one else does; yields whether held.

    SQLite has one daemon per database (its lock file), so the answer there is yes.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        key = lock_key(name)
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        connection.commit()
        try:
            yield got
        finally:
            # A session lock ends with its connection: if the database dropped it, there
            # is nothing left to unlock, and the error that did it is already on its way.
            if got and not connection.invalidated:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
