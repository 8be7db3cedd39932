"""Feed path: `peacewatch crawl` over 300 local feeds vs a sequential feedparser loop.

Run: python tests/bench/bench_feeds.py [--feeds 300] [--runs 3]

Prints, as medians of several runs: wall time of the first crawl and of a
sequential `feedparser.parse(url)` loop over the same feeds, the crawl's CPU time
beside feedparser's bare parse CPU time on the same bytes, and the second crawl
(unchanged feeds, answered 304) against the first.
Targets: first crawl >= 1.5x faster than the loop, CPU <= 1.3x bare parse, second
crawl >= 10x faster than the first.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.crawl import Crawl
from crawler.runtime.loop import run
from crawler.runtime.workers import worker_cpu_seconds
from crawler.settings import NetworkSettings, SourceSettings, TopicSettings
from crawler.store.ingest import Ingestor
from scheduler.database import open_database
from tests.bench.feedserver import FeedServer, make_feeds


def cpu() -> float:
    """This process and its parsing workers: the crawl's whole CPU bill."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + worker_cpu_seconds()


def crawl_twice(base: str, paths: list[str]) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/bench.db")
        topic = TopicSettings()
        sources = [
            SourceSettings(name=f"f{i}", url=base + p, topic=topic.name)
            for i, p in enumerate(paths)
        ]
        network = NetworkSettings(allow_private=True)
        c0, t0 = cpu(), time.perf_counter()
        first = run(Crawl(engine, Ingestor([topic]), network).run(sources))
        wall1, cpu1 = time.perf_counter() - t0, cpu() - c0
        t0 = time.perf_counter()
        second = run(Crawl(engine, Ingestor([topic]), network).run(sources))
        wall2 = time.perf_counter() - t0
        assert not first.errors and not second.errors, (first.errors, second.errors)
        assert second.new_articles == 0 and second.not_modified == len(paths)
        engine.dispose()
        return wall1, cpu1, wall2, first.new_articles


def feedparser_loop(base: str, paths: list[str]) -> float:
    t0 = time.perf_counter()
    for p in paths:
        parsed = feedparser.parse(base + p)
        assert parsed.entries
    return time.perf_counter() - t0


def bare_parse_cpu(feeds: dict[str, bytes]) -> float:
    c0 = cpu()
    for body in feeds.values():
        feedparser.parse(body)
    return cpu() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    feeds = make_feeds(args.feeds)
    paths = list(feeds)
    entries = sum(body.count(b"<item>") for body in feeds.values())
    print(f"{args.feeds} feeds, {entries} entries, {sum(map(len, feeds.values())) / 1e6:.1f} MB")
    results: dict[str, list[float]] = {k: [] for k in ("loop", "bare", "wall1", "cpu1", "wall2")}
    with FeedServer(feeds) as server:
        time.sleep(0.3)
        for _ in range(args.runs):
            results["loop"].append(feedparser_loop(server.base, paths))
            results["bare"].append(bare_parse_cpu(feeds))
            wall1, cpu1, wall2, stored = crawl_twice(server.base, paths)
            results["wall1"].append(wall1)
            results["cpu1"].append(cpu1)
            results["wall2"].append(wall2)
    m = {k: statistics.median(v) for k, v in results.items()}
    print(f"articles stored per crawl:        {stored}")
    print(f"feedparser.parse(url) loop, wall: {m['loop']:.2f} s")
    print(
        f"peacewatch first crawl, wall:     {m['wall1']:.2f} s   "
        f"({m['loop'] / m['wall1']:.2f}x faster; target >= 1.5x)"
    )
    print(f"feedparser bare parse, CPU:       {m['bare']:.2f} s")
    print(
        f"peacewatch first crawl, CPU:      {m['cpu1']:.2f} s   "
        f"({m['cpu1'] / m['bare']:.2f}x bare parse; target <= 1.3x)"
    )
    print(
        f"peacewatch second crawl, wall:    {m['wall2']:.2f} s   "
        f"({m['wall1'] / m['wall2']:.1f}x faster than the first; target >= 10x)"
    )


if __name__ == "__main__":
    main()
