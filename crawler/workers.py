"""Worker processes for CPU-bound parsing: feeds and article pages.

feedparser and trafilatura are pure CPU. In threads they compete with the event loop
for the GIL; in processes they run beside the loop while it keeps fetching
(tests/bench/bench_feeds.py, bench_article_path.py). One worker per core, not one
fewer: the loop's process idles between responses, and on two cores a single worker
was the article path's bottleneck (13.1 s against 10.3 s). `forkserver` because the loop's
process has threads that `fork` must not copy. If the pool breaks (a worker killed),
work runs in a thread and the pool is rebuilt on next use.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

_POOL: ProcessPoolExecutor | None = None
_POOL_PID: int | None = None


def _pool() -> ProcessPoolExecutor:
    global _POOL, _POOL_PID
    if _POOL is None or os.getpid() != _POOL_PID:
        workers = max(1, os.cpu_count() or 1)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _POOL = ProcessPoolExecutor(workers, mp_context=context)
        _POOL_PID = os.getpid()
    return _POOL


# What workers run; imported once in the fork server so each worker starts ready.
PRELOAD = ["crawler.feeds", "crawler.extract", "crawler.analysis"]


def _ready() -> bool:
    return True


async def warm_up() -> None:
    """Start the workers and their imports now, not on the first poll (~1 s)."""
    await run_in_worker(_ready)


async def run_in_worker(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker process; in a thread if the pool is broken."""
    global _POOL
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(), func, *args)
    except BrokenProcessPool:
        _POOL = None
        return await asyncio.to_thread(func, *args)


def worker_cpu_seconds() -> float:
    """CPU time the pool's live workers have used (Linux), for honest benchmarks."""
    if _POOL is None:
        return 0.0
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in list(getattr(_POOL, "_processes", {}) or {}):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return total
