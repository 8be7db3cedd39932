"""Item pipeline: fetched article HTML becomes extracted text as it arrives."""

from __future__ import annotations

from typing import Any

from crawler.analysis import read_page
from crawler.runtime.workers import run_batched

STOPPED = "crawl stopped before the page was read"


class ExtractPipeline:
    """Extract in worker processes so the shared loop keeps serving other sources and
    extraction uses the other cores; drop the HTML at once so a big crawl holds text,
    not pages. Where the request asked for it, the worker also fingerprints and
    classifies the text (`crawler.analysis`).

    Once the crawl is stopping (its caller gave up), pages still queued are not sent
    to the workers: nobody waits for them, and Scrapy's graceful stop waits for every
    item, which took seconds with a hundred pages queued."""

    def __init__(self, crawler: Any = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        return cls(crawler)

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        html = item.pop("html", None)
        if html is not None:
            spec, title, language = (item.get("hints") or {}).pop("analysis", (None, "", None))
            if self.crawler is not None and not self.crawler.crawling:
                item["error"] = STOPPED
                return item
            item["page"], item["analysis"] = await run_batched(
                read_page, html, item["final_url"], spec, title, language
            )
        return item
