"""Reading sitemaps, sitemap indexes and Google News sitemaps.

Scrapy's own sitemap parser keeps `loc` and `lastmod` only; a news sitemap's
`news:publication_date` and `news:title` are what tell us which entries are new and
what they are called, so we read them here. Sitemaps are untrusted XML: no DTD, no
entities, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_HTML = re.compile(rb"\s*(<!--.*?-->\s*)*<!DOCTYPE\s+html|\s*<html", re.I | re.S)


class SitemapError(ValueError):
    """A document that is not a sitemap we will read; the message says why."""


@dataclass
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    published: datetime | None = None
    title: str | None = None

    @property
    def when(self) -> datetime | None:
        return self.published or self.lastmod


@dataclass
class Sitemap:
    kind: str  # "index" or "urlset"
    entries: list[SitemapEntry] = field(default_factory=list)


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """A sitemap date (`2025-05-20`, `2025-05-20T09:30Z`, …) as an aware UTC datetime."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str | None:
    node: etree._Element | None = element
    for name in path:
        node = next((c for c in node if _local(c.tag) == name), None) if node is not None else None
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def parse_sitemap(body: bytes) -> Sitemap:
    if _HTML.match(body):
        raise SitemapError("not a sitemap (an HTML page)")
    if _DTD.search(body[:4096]):
        raise SitemapError("sitemap declares a DTD or entities; refused")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not XML: {exc}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        # The byte check above misses a DTD behind padding or in UTF-16/32; the parser
        # (which expands nothing) does not.
        raise SitemapError("sitemap declares a DTD or entities; refused")
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise SitemapError(f"not a sitemap (root element <{kind or '?'}>)")
    item = "sitemap" if kind == "sitemapindex" else "url"
    sitemap = Sitemap(kind="index" if kind == "sitemapindex" else "urlset")
    for element in root:
        if _local(element.tag) != item:
            continue
        loc = _child_text(element, "loc")
        if not loc:
            continue
        sitemap.entries.append(
            SitemapEntry(
                loc=loc,
                lastmod=parse_w3c_datetime(_child_text(element, "lastmod")),
                published=parse_w3c_datetime(_child_text(element, "news", "publication_date")),
                title=_child_text(element, "news", "title"),
            )
        )
    return sitemap
