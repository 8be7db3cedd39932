"""Item pipeline: fetched article HTML becomes extracted text as it arrives."""

from __future__ import annotations

from typing import Any

from crawler.extract import extract_in_worker


class ExtractPipeline:
    """Extract in worker processes so the shared loop keeps serving other sources and
    extraction uses the other cores; drop the HTML at once so a big crawl holds text,
    not pages."""

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        html = item.pop("html", None)
        if html is not None:
            item["page"] = await extract_in_worker(html, item["final_url"])
        return item
