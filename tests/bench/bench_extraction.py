"""Which trafilatura settings read our fixture news pages best.

Run: python tests/bench/bench_extraction.py

For every fixture article (the two seeds and the synthetic stories, each wrapped in
cookie banner, navigation, share bars, "Recommendations", comment counters, an AI
disclaimer, inline scripts and JSON-LD) it scores each setting by body-paragraph
recall and by boilerplate lines leaked into the text, then prints a table.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import trafilatura

from crawler.extract.article import extract_article, strip_boilerplate_lines
from tests.crawl.testsite import COMMON_BOILERPLATE, TestSite


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _raw(**options: object):
    def run(html: str, url: str) -> str:
        doc = trafilatura.bare_extraction(html, url=url, include_comments=False, **options)
        return (doc.text if doc is not None else "") or ""

    return run


def main() -> None:
    site = TestSite()
    variants = {
        "default": _raw(),
        "favor_precision": _raw(favor_precision=True),
        "favor_recall": _raw(favor_recall=True),
        "default + line filter": lambda h, u: strip_boilerplate_lines(_raw()(h, u)),
        "precision + line filter": lambda h, u: strip_boilerplate_lines(
            _raw(favor_precision=True)(h, u)
        ),
        "extract_article (shipped)": lambda h, u: extract_article(h, u).text,
    }
    print(f"{len(site.articles)} pages; recall = body paragraphs found; leaks = boilerplate lines")
    print(f"{'setting':28} {'recall':>8} {'leaks':>6} {'ms/page':>8}")
    for name, run in variants.items():
        found = total = leaks = 0
        start = time.perf_counter()
        for article in site.articles:
            text = _norm(run(site.pages[article.path].text, site.url(article.path)))
            total += len(article.paragraphs)
            found += sum(_norm(p) in text for p in article.paragraphs)
            leaks += sum(b in text for b in {*article.boilerplate, *COMMON_BOILERPLATE})
        ms = (time.perf_counter() - start) * 1000 / len(site.articles)
        print(f"{name:28} {found / total:8.1%} {leaks:6d} {ms:8.1f}")


if __name__ == "__main__":
    main()
