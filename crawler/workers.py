"""Worker processes for CPU-bound parsing: feeds and article pages.

feedparser and trafilatura are pure CPU. In threads they compete with the event loop
for the GIL; in processes they run on the other cores while the loop keeps fetching
(tests/bench/bench_feeds.py, bench_article_path.py). `forkserver` because the loop's
process has threads that `fork` must not copy. If the pool breaks (a worker killed),
work runs in a thread and the pool is rebuilt on next use.
"""

from __future__ import annotations

import asyncio
import contextlib
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
        workers = max(1, (os.cpu_count() or 2) - 1)
        _POOL = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
        _POOL_PID = os.getpid()
    return _POOL


async def run_in_worker(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker process; in a thread if the pool is broken."""
    global _POOL
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(), func, *args)
    except BrokenProcessPool:
        _POOL = None
        return await asyncio.to_thread(func, *args)


def _ready() -> int:
    import crawler.feeds  # noqa: F401  (feedparser and the ingest path, loaded once)

    return os.getpid()


async def start_workers() -> None:
    """Start the pool and load the parsers in every worker now, not in the first poll.

    A worker's start and imports take a second or more; paid inside a poll, they delay
    that source's next poll (its schedule counts from the poll's end). The daemon
    calls this before its first poll.
    """
    pool = _pool()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(BrokenProcessPool):  # `run_in_worker` copes on next use
        await asyncio.gather(
            *(loop.run_in_executor(pool, _ready) for _ in range(pool._max_workers))  # type: ignore[attr-defined]
        )


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
