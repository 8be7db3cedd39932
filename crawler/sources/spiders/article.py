"""Fetch given article pages (from feed entries) for extraction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from crawler.sources.spiders.base import PeacewatchSpider


class ArticleSpider(PeacewatchSpider):
    name = "articles"

    def __init__(
        self,
        *args: Any,
        urls: list[str],
        hints: dict[str, dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.urls = urls
        self.hints = hints or {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield self.article_request(url, unique=True, **self.hints.get(url, {}))
