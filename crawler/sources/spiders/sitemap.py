"""Read a sitemap, sitemap index or news sitemap; fetch entries newer than the last crawl."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip

from crawler.settings import SourceSettings
from crawler.sources.sitemap import SitemapError, parse_sitemap
from crawler.sources.spiders.base import PeacewatchSpider


class NewsSitemapSpider(PeacewatchSpider):
    name = "sitemap"

    def __init__(
        self, *args: Any, source: SourceSettings, since: datetime | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, trusted=[str(source.url)], **kwargs)
        self.source = source
        self.since = since
        self.sitemap_budget = source.max_pages - 1

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.sitemap_request(str(self.source.url), depth=0)

    def sitemap_request(self, url: str, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.start_failed,
            meta={"pw_depth": depth},
            dont_filter=depth == 0,
        )

    def _body(self, response: Response) -> bytes:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        return body

    def _is_new(self, when: datetime | None) -> bool:
        return self.since is None or when is None or when > self.since

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            sitemap = parse_sitemap(self._body(response))
        except (SitemapError, OSError) as exc:
            self.note_error(f"{response.url}: {exc}")
            return
        depth = response.meta.get("pw_depth", 0)
        if sitemap.kind == "index":
            if depth >= self.source.max_depth:
                return
            for entry in sitemap.entries:
                if self.sitemap_budget <= 0:
                    break
                if self._is_new(entry.lastmod):
                    self.sitemap_budget -= 1
                    yield self.sitemap_request(response.urljoin(entry.loc), depth + 1)
            return
        fresh = {response.urljoin(e.loc): e for e in sitemap.entries if self._is_new(e.when)}
        for url in self.unseen(fresh):
            entry = fresh[url]
            yield self.article_request(url, title=entry.title, published=entry.published)
