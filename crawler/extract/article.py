"""Main text and metadata of an article page, read with trafilatura.

Trafilatura finds the body, and its metadata steps the title, author and date (the
date by htmldate, again with the fetched URL when the page names another and the
first try finds none). What comes out is then judged: a cookie wall, a paywall stub, a
consent or error page, or a scrap too short to be an article is reported in
`ExtractedPage.error` with empty text, because stored as an article it would look like
every other such page to dedup and mislead the classifier.

Settings, chosen on the 181 real pages of the public article-extraction benchmark
(`python tests/bench/bench_extraction.py PATH`, scored with its own scorer):
trafilatura's defaults (tables in) with comments off, as that benchmark runs it, but
without trafilatura's fallback extractors (`fast`): F1 0.962 against 0.960 with them,
for about three quarters of the time. The fallbacks run only when the fast pass finds
too little text to keep, which is where they can save a page. With the metadata below
the whole costs about 0.9x the CPU of `trafilatura.extract` alone. The line filter
below drops the AI-disclaimer, counter and share lines that sit inside article
containers of our fixture pages (tests/crawl/test_extract_quality.py).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

import htmldate
import trafilatura
from lxml.html import HtmlElement
from trafilatura.metadata import (
    examine_meta,
    extract_meta_json,
    extract_title,
    extract_url,
)
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

DATE_PARAMS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
"""Publication (not modification) date, with the time and zone when the page has them."""

# Trafilatura logs unreadable pages at ERROR; we report them in ExtractedPage.error.
for _name in ("trafilatura", "htmldate"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

MIN_WORDS = 50
"""Fewer words than this is a teaser, a stub or a widget, not an article.

Wire briefs of 60 to 80 words are articles (two of the benchmark's 181 pages)."""

SHORT_PAGE_WORDS = 250
"""Below this, a cookie, paywall or error phrase decides what the page is."""

_JUNK: list[tuple[str, re.Pattern[str]]] = [
    (
        "cookie or consent wall",
        re.compile(
            r"\b(accept (all )?cookies|we use cookies|cookie (settings|preferences|policy)|"
            r"manage (your )?(consent|preferences|privacy)|consent to (the use of|our)|"
            r"your privacy choices|reject all|privacy settings)\b",
            re.I,
        ),
    ),
    (
        "paywall stub",
        re.compile(
            r"\b(subscribe (now )?to (continue|read|keep reading|unlock)|"
            r"(already|existing) (a )?subscriber|to continue reading|"
            r"this (article|content|story) is (only )?(available )?(for|to) "
            r"(subscribers|members|premium)|"
            r"sign in to (continue|read)|log ?in to (continue|read)|"
            r"(become|register as) a (member|subscriber) to read|free articles? left)\b",
            re.I,
        ),
    ),
    (
        "error page",
        re.compile(
            r"\b(page (was )?not found|404 not found|error 404|access denied|forbidden|"
            r"service unavailable|internal server error|something went wrong|"
            r"this page (is|has been) (unavailable|removed)|no longer available)\b",
            re.I,
        ),
    ),
    (
        "bot check",
        re.compile(
            r"\b(are you a robot|verify (that )?you are (a )?human|enable javascript|"
            r"javascript is (disabled|required)|checking your browser|captcha)\b",
            re.I,
        ),
    ),
]

_BOILERPLATE_LINE = re.compile(
    r"^\s*[•·|-]?\s*("
    r"\d[\d,.]*\s*(comments?|views?|shares?|likes?|reads?)|"
    r"\d+\s*(min(ute)?s?)\s*read|"
    r"recommendations?|related (articles|stories|news)|read more|more from .{1,40}|"
    r"share( this)?( article| story)?|share on \w+|"
    r"(advertisement|sponsored( content)?)|"
    r"(disclaimer:.*|this (article|content) (was|is) (generated|created|written)\b.*"
    r"\b(ai|artificial intelligence)\b.*)"
    r")\s*[.:]?\s*$",
    re.I,
)


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


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_CHARS_PER_WORD = 2
"""Chinese and Japanese write no spaces; a word there is about two characters."""


def _words(text: str) -> int:
    """Words in the text, counting unspaced Chinese and Japanese by characters."""
    words = len(text.split())
    if text.isascii():
        return words
    cjk = len(_CJK.findall(text))
    return words + cjk // CJK_CHARS_PER_WORD if cjk else words


def page_problem(text: str, title: str = "") -> str | None:
    """Why this text is not an article, or None if it reads like one."""
    words = _words(text)
    if words < SHORT_PAGE_WORDS:
        for reason, pattern in _JUNK:
            if pattern.search(text) or pattern.search(title):
                return reason
    if words < MIN_WORDS:
        return f"too short to be an article ({words} words)"
    return None


def strip_boilerplate_lines(text: str) -> str:
    """Drop counter, share and disclaimer lines that sit inside article containers."""
    kept = [line for line in text.splitlines() if not _BOILERPLATE_LINE.match(line)]
    return "\n".join(kept).strip()


def _page_language(html: str) -> str | None:
    match = re.search(r"<html\b[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)", html)
    return match.group(1).replace("_", "-").lower() if match else None


def _metadata(tree: HtmlElement, url: str | None) -> dict[str, Any]:
    """Title, author, date and language as trafilatura's metadata pass finds them.

    The pass also reads categories, tags, licence and site name, which we do not
    keep: more than half its time. This runs its own steps for the fields we keep,
    in its order, but takes the author from meta tags and JSON-LD only. Its search
    of the page for a byline (`extract_author`) cost 5.4 ms a page on the benchmark's
    pages, a third of a whole extraction, to name an author on 45 of 181 pages
    whose meta tags and JSON-LD name none (110 do).
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # trafilatura's rule for meta bylines
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader on malformed data
        meta = extract_meta_json(tree, meta)
    meta.title = meta.title or extract_title(tree)
    page_url = meta.url or extract_url(tree, url)
    meta.date = htmldate.find_date(tree, url=page_url, **DATE_PARAMS)
    if meta.date is None and page_url != url:
        meta.date = htmldate.find_date(tree, url=url, **DATE_PARAMS)
    meta.clean_and_trim()
    return {
        "title": meta.title,
        "author": meta.author,
        "date": meta.date,
        "language": meta.language,
    }


# trafilatura reads its options from its config file each time it builds them (0.1 to
# 0.2 ms a page here); built once, they are copied with each page's URL.
_OPTIONS = {
    fast: Extractor(output_format="python", fast=fast, comments=False) for fast in (True, False)
}


def _extract(html: str, url: str | None, *, fast: bool) -> str | None:
    """The main text, or None where trafilatura finds none.

    Given the HTML rather than our tree: trafilatura copies a tree it is handed,
    and parsing the page again costs less than that copy.
    """
    options = copy.copy(_OPTIONS[fast])
    options.url = options.source = url
    doc = trafilatura.bare_extraction(html, url=url, options=options)
    return None if doc is None else doc.text or ""


def _read(html: str, url: str | None) -> tuple[dict[str, Any], str | None]:
    """(metadata, main text or None where trafilatura finds none)."""
    tree = load_html(html)
    if tree is None:
        return {}, None
    text = _extract(html, url, fast=True)
    if text is None or _words(text) < MIN_WORDS:
        text = _extract(html, url, fast=False)
    return _metadata(tree, url), text


def extract_article(html: str, url: str | None = None) -> ExtractedPage:
    """Read an article page; `error` says why the page holds no article text."""
    if not html or not html.strip():
        return ExtractedPage(source=url, title="", text="", error="empty page")
    try:
        data, found = _read(html, url)
    except Exception as exc:  # trafilatura on hostile markup: a page error, not a crash
        return ExtractedPage(source=url, title="", text="", error=f"unreadable page: {exc}")
    text = strip_boilerplate_lines(found or "")
    page = ExtractedPage(
        source=url,
        title=(data.get("title") or "").strip(),
        text=text,
        published=data.get("date"),
        author=data.get("author") or None,
        language=data.get("language") or _page_language(html),
    )
    if found is None:
        page.text, page.error = "", "no article text found"
        return page
    problem = page_problem(text, page.title)
    if problem is not None:
        page.text, page.error = "", problem
    return page
