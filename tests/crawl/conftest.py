"""Fixtures for crawl tests: the local news site and network settings that allow it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.runtime.loop import ensure_reactor
from crawler.settings import NetworkSettings, SourceSettings
from tests.crawl.testsite import TestSite


@pytest.fixture
def site() -> Iterator[TestSite]:
    server = TestSite().start()
    yield server
    server.stop()


@pytest.fixture
def network() -> NetworkSettings:
    return NetworkSettings(allow_private=True)


@pytest.fixture
async def reactor():  # type: ignore[no-untyped-def]
    """The Twisted reactor on this test's event loop, for tests driving Twisted directly.

    Crawl entry points bind it themselves; async tests that only call them need nothing.
    """
    return ensure_reactor()


@pytest.fixture
def listing(site: TestSite) -> SourceSettings:
    return SourceSettings(
        name="example-world",
        kind="listing",
        url=site.url("/world/"),
        topic="russia-ukraine-talks",
        link_pattern=r"/world/[a-z0-9-]+\.html$",
        next_pattern=r"/world/page[0-9]+\.html$",
    )


@pytest.fixture
def sitemap(site: TestSite) -> SourceSettings:
    return SourceSettings(name="example-sitemap", kind="sitemap", url=site.url("/sitemap.xml"))


class Store:
    """Stands in for the article table: which canonical URLs are stored."""

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self.asked: list[str] = []

    def known(self, urls: list[str]) -> set[str]:
        self.asked += urls
        return {u for u in urls if u in self.urls}

    def add(self, urls: list[str]) -> None:
        from crawler.fetch.urls import canonical_url

        self.urls |= {canonical_url(u) for u in urls}


@pytest.fixture
def store() -> Store:
    return Store()
