"""Scrapy's own cost per article page: main-process CPU of `fetch_article_pages`.

Run: python tests/bench/bench_spider_fetch.py [--pages 2000] [--runs 5] [--per-host 16]
     [--extract stub|worker] [--profile FILE] [--set NAME=JSON ...]

A local server (another process) serves N distinct article pages; each run fetches
them all through `crawler.sources.sites.fetch_article_pages` (ArticleSpider, our settings,
middlewares and pipeline) on a fresh loop and reactor, as `peacewatch crawl` does.
Prints wall time, pages/s and the main process's CPU ms/page (getrusage: every thread
of this process, not the server or the workers), medians of several runs.

`--extract stub` (default) replaces the worker extraction in the pipeline, in this
script only, by a stub that returns an empty page at once, so the figure is Scrapy's
and our spider code's cost alone. `--extract worker` keeps real extraction and also
prints the workers' CPU. `--profile FILE` writes a cProfile of the last run. `--set`
overrides one Scrapy setting (value as JSON, e.g. `--set 'SPIDER_MIDDLEWARES={}'`), to
try a setting without editing crawler/scrapy_settings.py.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler import workers
from crawler.extract.article import ExtractedPage
from crawler.model import Candidate
from crawler.runtime.loop import run
from crawler.settings import NetworkSettings
from crawler.sources.sites import fetch_article_pages
from tests.bench.bench_article_path import _serve


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _stub_worker(
    _func: Any, _html: Any, url: str | None = None, *_rest: Any
) -> tuple[ExtractedPage, None]:
    return ExtractedPage(source=url, title="", text="stub", error=None), None


def _stub() -> None:
    """The pipeline's worker call answers at once: what is left is Scrapy and our spider."""
    import crawler.sources.spiders.pipelines as pipelines

    pipelines.run_in_worker = _stub_worker  # type: ignore[assignment]


def _override(overrides: list[str]) -> None:
    import crawler.sources.sites as sites

    values = {}
    for pair in overrides:
        name, _, value = pair.partition("=")
        values[name] = json.loads(value)
    original = sites.spider_settings

    def patched(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**original(*args, **kwargs), **values}

    sites.spider_settings = patched  # type: ignore[assignment]


def one_run(base: str, n: int, per_host: int, profile: cProfile.Profile | None) -> dict[str, float]:
    network = NetworkSettings(allow_private=True, per_host=per_host, concurrency=64)
    candidates = [
        Candidate(url=f"{base}/bench/{i}.html", title=f"t{i}", topic="t") for i in range(n)
    ]
    worker_before = workers.worker_cpu_seconds()
    cpu_before, started = _cpu(), time.perf_counter()
    if profile is not None:
        profile.enable()
    run(fetch_article_pages(candidates, network))
    if profile is not None:
        profile.disable()
    wall, cpu = time.perf_counter() - started, _cpu() - cpu_before
    failed = [c.extract_error for c in candidates if c.extract_error]
    assert not failed, failed[:3]
    return {
        "wall": wall,
        "cpu_ms": cpu * 1000 / n,
        "worker_ms": (workers.worker_cpu_seconds() - worker_before) * 1000 / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--per-host", type=int, default=16)
    parser.add_argument("--extract", choices=["stub", "worker"], default="stub")
    parser.add_argument("--profile", help="write a cProfile of the last run here")
    parser.add_argument("--set", action="append", default=[], help="NAME=JSON setting")
    args = parser.parse_args()
    _override(args.set)
    if args.extract == "stub":
        _stub()
    else:
        run(workers.warm_up())
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(queue, args.pages), daemon=True)
    server.start()
    base = queue.get(timeout=120)
    one_run(base, min(args.pages, 100), args.per_host, None)  # warm imports and the server
    results = []
    for i in range(args.runs):
        profile = cProfile.Profile() if args.profile and i == args.runs - 1 else None
        results.append(one_run(base, args.pages, args.per_host, profile))
        if profile is not None:
            profile.dump_stats(args.profile)
    server.terminate()

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"{args.pages} pages, extract={args.extract}, median of {args.runs} runs")
    print(f"wall {med('wall'):.2f} s, {args.pages / med('wall'):.0f} pages/s")
    each = ", ".join(f"{r['cpu_ms']:.3f}" for r in results)
    print(f"main-process CPU {med('cpu_ms'):.3f} ms/page (runs: {each})")
    if args.extract == "worker":
        print(f"worker CPU {med('worker_ms'):.3f} ms/page")


if __name__ == "__main__":
    main()
