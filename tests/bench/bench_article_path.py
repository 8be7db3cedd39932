"""Article path: 2,000 local pages through fetch, extraction, dedup, classification and
storage, beside bare `trafilatura.extract` on the same HTML.

Run: python tests/bench/bench_article_path.py [--pages 2000] [--runs 3] [--per-host 16]

The pages are distinct stories (see `pages`), every tenth a syndicated copy of the
one before, so dedup and classification do their full work on each page.
A feed lists every page; `peacewatch crawl`'s code path (Crawl with
`fetch_articles = true`, a fresh SQLite database) fetches, extracts, deduplicates,
classifies and stores them. The baseline extracts the same HTML strings in a loop with
no I/O at all. Prints pages/s for both, medians of several runs, and the ratio.
Target: the pipeline at least 0.75x of bare extraction.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.crawl import Crawl
from crawler.runtime.loop import run
from crawler.settings import NetworkSettings, SourceSettings, TopicSettings
from crawler.store.ingest import Ingestor
from scheduler.database import open_database

COPY_EVERY = 10
"""Every tenth page is a syndicated copy of the page before it (a near duplicate)."""


def _paragraph_pool() -> tuple[list[str], list[str]]:
    """(talks paragraphs from the seed articles, other news paragraphs from the real feeds)."""
    import feedparser

    from crawler.extract.text import html_to_text
    from tests.crawl.testsite import seed_articles
    from tests.feeds import REAL_FEEDS

    talks = [p for article in seed_articles() for p in article.paragraphs]
    other: dict[str, str] = {}
    for path in sorted(REAL_FEEDS.iterdir()):
        if path.suffix not in {".xml", ".rss", ".atom", ".rdf"}:
            continue
        for entry in feedparser.parse(path.read_bytes()).entries:
            text = html_to_text(entry.get("summary", "")).split()
            if len(text) >= 25:  # a paragraph's worth; its opening words identify it
                other.setdefault(" ".join(text[:8]), " ".join(text[:60]))
    return talks, list(other.values())


def pages(n: int) -> dict[str, tuple[str, str]]:
    """path -> (title, html): distinct stories in full boilerplate, every tenth a copy.

    Each story is a lede of its own, three paragraphs of talks reporting from the seeds
    and six paragraphs of other news from the real feeds, so stories share no more
    text than different reports do, and every page is on topic.
    """
    from tests.crawl.testsite import Article, article_html

    talks, other = _paragraph_pool()
    out = {}
    body: list[str] = []
    for i in range(n):
        rng = random.Random(i)
        if i % COPY_EVERY != COPY_EVERY - 1 or not body:
            lede = (
                f"Russian and Ukrainian delegations held round {i} of their talks on "
                f"{rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday'])}, officials said."
            )
            middle = [*rng.sample(talks, 3), *rng.sample(other, 6)]
            rng.shuffle(middle)
            body = [lede, *middle]
        else:
            body = [*body[:-1], "(Reporting by the wire desk; editing by the news desk.)"]
        title = f"Peace talks: round {i} of the negotiations between Russia and Ukraine"
        article = Article(
            slug=f"story-{i}",
            title=title,
            published="2025-11-20T12:00:00+00:00",
            author=f"Reporter {i % 37}",
            paragraphs=body,
            subheads=["What comes next"],
            boilerplate=["Recommendations"],
        )
        out[f"/bench/{i}.html"] = (title, article_html(article))
    return out


def _serve(queue: multiprocessing.Queue, n: int) -> None:  # type: ignore[type-arg]
    from tests.crawl.testsite import TestSite
    from tests.feeds import Entry, rss

    site = TestSite()
    docs = pages(n)
    for path, (_title, html) in docs.items():
        site.add(path, html)
    entries = [Entry(title, site.url(path), "") for path, (title, _html) in docs.items()]
    site.add("/bench/feed.xml", rss(entries).decode(), "application/rss+xml")
    queue.put(site.base)
    site.server.serve_forever()


def pipeline(base: str, per_host: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/bench.db")
        topic = TopicSettings()
        source = SourceSettings(
            name="bench", url=f"{base}/bench/feed.xml", topic=topic.name, fetch_articles=True
        )
        network = NetworkSettings(allow_private=True, per_host=per_host, concurrency=64)
        started = time.perf_counter()
        report = run(Crawl(engine, Ingestor([topic]), network).run([source]))
        elapsed = time.perf_counter() - started
        assert not report.errors, report.errors
        engine.dispose()
        return elapsed, report.new_articles + report.duplicates


def bare(docs: dict[str, tuple[str, str]]) -> float:
    started = time.perf_counter()
    for path, (_title, html) in docs.items():
        trafilatura.extract(html, url=path)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-host", type=int, default=16)
    args = parser.parse_args()
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(queue, args.pages), daemon=True)
    server.start()
    base = queue.get(timeout=120)
    docs = pages(args.pages)
    ours, theirs, stored = [], [], 0
    for attempt in range(args.runs):
        theirs.append(bare(docs))
        elapsed, stored = pipeline(base, args.per_host)
        ours.append(elapsed)
        print(
            f"run {attempt + 1}: bare {args.pages / theirs[-1]:6.1f} pages/s, peacewatch "
            f"{args.pages / elapsed:6.1f} pages/s, ratio {theirs[-1] / elapsed:.2f}x"
        )
    server.terminate()
    t_ours, t_bare = statistics.median(ours), statistics.median(theirs)
    # The machine's speed drifts between runs; each run's ratio compares the two sides
    # at one moment, so the median of those is the steadier figure.
    ratio = statistics.median(b / o for b, o in zip(theirs, ours, strict=True))
    print(f"{args.pages} pages, median of {args.runs} runs; articles stored: {stored}")
    print(f"bare trafilatura.extract:            {args.pages / t_bare:7.1f} pages/s")
    print(f"peacewatch fetch+extract+dedup+classify+store: {args.pages / t_ours:7.1f} pages/s")
    print(f"ratio: {ratio:.2f}x of bare extraction, median of the runs' ratios (target >= 0.75x)")


if __name__ == "__main__":
    main()
