"""Schema migrations: each package keeps the versions of its own tables.

Alembic runs one chain of revisions gathered from several version folders: the
crawler's tables (`crawler/store/migrations/versions`) come first, and a package
whose tables refer to them (the notifier's) adds its folder after. The crawler alone
migrates with its own folder, so nothing here knows who else stores tables.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from crawler.store.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPTS = Path(__file__).with_name("migrations")
VERSIONS = SCRIPTS / "versions"
"""The crawler's own revisions: sources, articles and stories."""

MIGRATION_LOCK = 0x7065_6163  # advisory-lock key: workers starting together migrate once


class DatabaseError(RuntimeError):
    """The database cannot be reached or migrated; the message is for the user."""


def alembic_config(url: str, versions: Sequence[Path] = (VERSIONS,)) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(v) for v in versions))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, versions: Sequence[Path] = (VERSIONS,), revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False), versions)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(versions: Sequence[Path] = (VERSIONS,)) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://", versions)).get_current_head()


def declared_head(versions: Sequence[Path] = (VERSIONS,)) -> str | None:
    """The one head of the revisions' chain, read from their `revision` and
    `down_revision` lines without importing Alembic (a tenth of a second at every start);
    None when the files do not name exactly one."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (p for folder in versions for p in folder.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                name = getattr(node.targets[0], "id", None)
                if name not in ("revision", "down_revision"):
                    continue
                value = ast.literal_eval(node.value)
                named = value if isinstance(value, tuple | list) else (value,)
                (revisions if name == "revision" else parents).update(v for v in named if v)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine, versions: Sequence[Path]) -> bool:
    """Whether the database says it is at the declared head; unsure means no, and
    Alembic decides."""
    head = declared_head(versions)
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:  # no table yet: a new database
        return False
    return [row[0] for row in stored] == [head]


def open_database(
    url: str, versions: Sequence[Path] = (VERSIONS,), *, migrate: bool = True
) -> Engine:
    """An engine on `url` with the schema at head; a readable error if that fails."""
    try:
        engine = make_engine(url)
        if migrate and not _at_head(engine, versions):
            upgrade(engine, versions)
        return engine
    except Exception as exc:  # any driver error means the same thing to a user
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"cannot open database {safe_url(url)}: {reason}") from exc


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
