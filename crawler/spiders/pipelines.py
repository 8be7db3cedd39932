"""Item pipeline: fetched article HTML becomes extracted text as it arrives."""

from __future__ import annotations

import asyncio
from typing import Any

from crawler.extract import extract_article


class ExtractPipeline:
    """Extract in a worker thread so the shared loop keeps serving other sources,
    and drop the HTML at once so a big crawl holds text, not pages."""

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        html = item.pop("html", None)
        if html is not None:
            item["page"] = await asyncio.to_thread(extract_article, html, item["final_url"])
        return item
