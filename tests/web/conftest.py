"""Fixtures: a populated SQLite database and a live dashboard served by uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.clock import utcnow
from notifier.web import create_app
from scheduler.database import open_database
from tests.web.support import LiveServer, Seeded, dashboard_settings, populate


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    engine = open_database(f"sqlite:///{tmp_path / 'peacewatch.db'}")
    return populate(engine, utcnow())


@pytest.fixture
def live(seeded: Seeded) -> Iterator[LiveServer]:
    with LiveServer(create_app(seeded.engine, dashboard_settings())) as server:
        yield server
