"""Engine and session plumbing shared by every package that touches the database.

SQLite gets WAL, a busy timeout and foreign keys on every connection so that a
daemon, a one-off `crawl` and the dashboard can share one file; PostgreSQL is used
as it comes. Times are stored as UTC and always read back timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from crawler.clock import as_utc

SQLITE_BUSY_TIMEOUT_MS = 30_000


class UTCDateTime(TypeDecorator[datetime]):
    """A DateTime that is timezone-aware UTC on the way out, whatever the backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        value = as_utc(value)
        if value is not None and dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return as_utc(value)


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here; SQLAlchemy would otherwise pick psycopg2."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
