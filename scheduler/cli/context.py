"""What most commands need first: validated settings and a migrated database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.cli.output import fail

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.config import Settings


def settings_or_exit(config: Path | None) -> Settings:
    from scheduler.config import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        fail(str(exc))


def engine_or_exit(settings: Settings) -> Engine:
    from scheduler.database import DatabaseError, open_database

    try:
        return open_database(settings.database.url)
    except DatabaseError as exc:
        fail(str(exc))
