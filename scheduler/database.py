"""Opening the database: migrations first, so every command sees the current schema.

Alembic owns the schema. `open_database` upgrades in place before handing out an
engine, which is how a database written by an older peacewatch keeps working. The
revisions live with the packages that own the tables; this is where they meet.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from crawler.store import migrate as schema
from crawler.store.migrate import DatabaseError, current_revision
from notifier.migrations import VERSIONS as NOTIFIER_VERSIONS

VERSIONS = (schema.VERSIONS, NOTIFIER_VERSIONS)

__all__ = ["DatabaseError", "current_revision", "head_revision", "open_database", "upgrade"]


def upgrade(engine: Engine, revision: str = "head") -> None:
    schema.upgrade(engine, VERSIONS, revision)


def head_revision() -> str | None:
    return schema.head_revision(VERSIONS)


def open_database(url: str, *, migrate: bool = True) -> Engine:
    """An engine on `url` with every table at head; a readable error if that fails."""
    return schema.open_database(url, VERSIONS, migrate=migrate)
