"""Item pipeline: fetched article HTML becomes extracted text as it arrives."""

from __future__ import annotations

from typing import Any

from crawler.analysis import read_page
from crawler.runtime.workers import run_batched


class ExtractPipeline:
    """Extract in worker processes so the shared loop keeps serving other sources and
    extraction uses the other cores; drop the HTML at once so a big crawl holds text,
    not pages. Where the request asked for it, the worker also fingerprints and
    classifies the text (`crawler.analysis`)."""

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        html = item.pop("html", None)
        if html is not None:
            spec, title = (item.get("hints") or {}).pop("analysis", (None, ""))
            item["page"], item["analysis"] = await run_batched(
                read_page, html, item["final_url"], spec, title
            )
        return item
