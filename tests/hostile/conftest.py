"""Fixtures of the hostile-input suite: a local server and a fetcher that may reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.settings import NetworkSettings
from tests.servers import LocalHTTPServer


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def network() -> NetworkSettings:
    """Configured sources on 127.0.0.1 are trusted; a 1 MB cap keeps bombs quick."""
    return NetworkSettings(
        allow_private=True, max_bytes=1024 * 1024, read_timeout=1.5, total_timeout=2.5
    )
