"""What most commands need first: validated settings and a migrated database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from scheduler.cli.output import fail
from scheduler.config import ConfigError, Settings, load_settings
from scheduler.database import DatabaseError, open_database


def settings_or_exit(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        fail(str(exc))


def engine_or_exit(settings: Settings) -> Engine:
    try:
        return open_database(settings.database.url)
    except DatabaseError as exc:
        fail(str(exc))
