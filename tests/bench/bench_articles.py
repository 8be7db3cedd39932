"""Crawl 2,000 local article pages through the article spider and extraction.

Run: python tests/bench/bench_articles.py [--pages 2000] [--per-host 16]

The site runs in a separate process (so its memory is not counted); every page is a
fixture article in full boilerplate. Prints pages/s and the crawler process's peak RSS.
All pages sit on one host, so `--per-host` (network.per_host) bounds concurrency.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.model import Candidate
from crawler.runtime.loop import run
from crawler.settings import NetworkSettings
from crawler.sources.sites import fetch_article_pages


def _serve(port_queue: multiprocessing.Queue, pages: int) -> None:  # type: ignore[type-arg]
    from tests.crawl.testsite import TestSite, article_html

    site = TestSite()
    for n in range(pages):
        article = site.articles[n % len(site.articles)]
        site.add(f"/bench/{n}.html", article_html(article).replace("</h1>", f" #{n}</h1>", 1))
    port_queue.put(site.base)
    site.server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--per-host", type=int, default=16)
    args = parser.parse_args()
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(queue, args.pages), daemon=True)
    server.start()
    base = queue.get(timeout=60)
    network = NetworkSettings(allow_private=True, per_host=args.per_host, concurrency=64)
    candidates = [
        Candidate(url=f"{base}/bench/{n}.html", title="", topic="t") for n in range(args.pages)
    ]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run(fetch_article_pages(candidates, network, time_budget=3600))
    elapsed = time.perf_counter() - started
    server.terminate()
    ok = sum(1 for c in candidates if c.text and not c.extract_error)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pages: {args.pages}  extracted: {ok}  per_host: {args.per_host}")
    print(f"time: {elapsed:.1f} s  rate: {args.pages / elapsed:.1f} pages/s")
    print(f"peak RSS: {peak:.0f} MiB (before crawl: {rss_before:.0f} MiB)")


if __name__ == "__main__":
    main()
