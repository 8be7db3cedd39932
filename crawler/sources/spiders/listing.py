"""Walk a section page and its pagination; fetch the unseen articles it links to."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.settings import SourceSettings
from crawler.sources.spiders.base import PeacewatchSpider


def _href_and_text(selector: Selector) -> tuple[str | None, str]:
    if isinstance(selector.root, str):
        return selector.root, ""
    href = selector.attrib.get("href") or selector.css("a::attr(href)").get()
    return href, " ".join(" ".join(selector.css("::text").getall()).split())


class ListingSpider(PeacewatchSpider):
    name = "listing"

    def __init__(self, *args: Any, source: SourceSettings, **kwargs: Any) -> None:
        super().__init__(*args, trusted=[str(source.url)], **kwargs)
        self.source = source
        self.link_re = re.compile(source.link_pattern) if source.link_pattern else None
        self.next_re = re.compile(source.next_pattern) if source.next_pattern else None
        self.listing_budget = source.max_pages - 1
        self._listings: set[str] = {str(source.url)}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            str(self.source.url),
            callback=self.parse_listing,
            errback=self.start_failed,
            meta={"pw_depth": 0},
            dont_filter=True,
        )

    def article_links(self, response: TextResponse) -> list[tuple[str, str]]:
        if self.source.link_css:
            selected = response.css(self.source.link_css)
        elif self.source.link_xpath:
            selected = response.xpath(self.source.link_xpath)
        else:
            selected = response.css("a[href]")
        links: list[tuple[str, str]] = []
        for selector in selected:
            href, text = _href_and_text(selector)
            if not href:
                continue
            url = response.urljoin(href.strip())
            if self.next_re is not None and self.next_re.search(url):
                continue  # a pagination link, even if the article pattern matches it too
            if self.link_re is None or self.link_re.search(url):
                links.append((url, text))
        return links

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.note_error(f"{response.url}: not a web page")
            return
        links = self.article_links(response)
        titles = {url: text for url, text in reversed(links)}
        for url in self.unseen(url for url, _ in links):
            yield self.article_request(url, title=titles.get(url) or None)
        depth = response.meta.get("pw_depth", 0)
        if self.next_re is None or depth >= self.source.max_depth:
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if self.listing_budget <= 0:
                break
            if url in self._listings or not self.next_re.search(url):
                continue
            self._listings.add(url)
            self.listing_budget -= 1
            yield scrapy.Request(
                url,
                callback=self.parse_listing,
                errback=self.start_failed,
                meta={"pw_depth": depth + 1},
            )
