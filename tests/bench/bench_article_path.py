"""Article path: 2,000 local pages through fetch, extraction, dedup, classification and
storage, beside bare `trafilatura.extract` on the same HTML.

Run: python tests/bench/bench_article_path.py [--pages 2000] [--runs 3] [--per-host 16]

A feed lists every page; `peacewatch crawl`'s code path (Crawl with
`fetch_articles = true`, a fresh SQLite database) fetches, extracts, deduplicates,
classifies and stores them. The baseline extracts the same HTML strings in a loop with
no I/O at all. Prints pages/s for both, medians of several runs, and the ratio.
Target: the pipeline at least 0.75x of bare extraction.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.crawl import Crawl
from crawler.ingest import Ingestor
from crawler.loop import run
from crawler.settings import NetworkSettings, SourceSettings, TopicSettings
from scheduler.database import open_database


def pages(n: int) -> dict[str, tuple[str, str]]:
    """path -> (title, html): fixture articles in full boilerplate, each page distinct."""
    from tests.crawl.testsite import TestSite, article_html

    site = TestSite()
    out = {}
    for i in range(n):
        article = site.articles[i % len(site.articles)]
        title = f"{article.title} #{i}"
        html = article_html(article).replace("</h1>", f" #{i}</h1>", 1)
        out[f"/bench/{i}.html"] = (title, html)
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
    for _ in range(args.runs):
        theirs.append(bare(docs))
        elapsed, stored = pipeline(base, args.per_host)
        ours.append(elapsed)
    server.terminate()
    t_ours, t_bare = statistics.median(ours), statistics.median(theirs)
    print(f"{args.pages} pages, median of {args.runs} runs; articles stored: {stored}")
    print(f"bare trafilatura.extract:            {args.pages / t_bare:7.1f} pages/s")
    print(f"peacewatch fetch+extract+dedup+classify+store: {args.pages / t_ours:7.1f} pages/s")
    print(f"ratio: {t_bare / t_ours:.2f}x of bare extraction (target >= 0.75x)")


if __name__ == "__main__":
    main()
