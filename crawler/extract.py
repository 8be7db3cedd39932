"""Main text and metadata of an article page, read with trafilatura.

Minimal first version; the Scrapy issue refines it (quality checks, htmldate).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import trafilatura


@dataclass
class ExtractedPage:
    source: str | None
    title: str
    text: str
    published: str | None = None
    author: str | None = None
    language: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_article(html: str, url: str | None = None) -> ExtractedPage:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_precision=True)
    if doc is None:
        return ExtractedPage(source=url, title="", text="", error="no article text found")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return ExtractedPage(
        source=url,
        title=data.get("title") or "",
        text=data.get("text") or "",
        published=data.get("date"),
        author=data.get("author"),
        language=data.get("language"),
    )
