"""Worker processes for CPU-bound parsing: feeds and article pages.

feedparser and trafilatura are pure CPU. In threads they compete with the event loop
for the GIL; in processes they run beside the loop while it keeps fetching
(tests/bench/bench_feeds.py, bench_article_path.py). One worker per core, not one
fewer: the loop's process idles between responses, and on two cores a single worker
was the article path's bottleneck (13.1 s against 10.3 s). `forkserver` because the loop's
process has threads that `fork` must not copy. Workers start on demand: a process
whose work is light (a daemon polling feeds without fetching pages) parses in a thread
instead (`run_light`) and never pays for the workers' imports (~95 MB each, ~130 MB
for the fork server). If the pool breaks (a worker killed),
work runs in a thread and the pool is rebuilt on next use. Workers die with the
process that made the pool, even when it is killed outright (`die_with`).
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import select
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

_POOL: ProcessPoolExecutor | None = None
_POOL_PID: int | None = None


def _workers() -> int:
    """How many worker processes the pool has: one per core."""
    return max(1, os.cpu_count() or 1)


def _pool() -> ProcessPoolExecutor:
    global _POOL, _POOL_PID
    if _POOL is None or os.getpid() != _POOL_PID:
        workers = _workers()
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _POOL = ProcessPoolExecutor(
            workers, mp_context=context, initializer=die_with, initargs=(os.getpid(),)
        )
        _POOL_PID = os.getpid()
    return _POOL


def die_with(owner: int) -> None:
    """Worker initializer: the worker exits as soon as the pool's owner is gone.

    A worker's parent is the fork server, and it holds the fork server's keep-alive pipe
    and both ends of its task queue: when the owner is killed (SIGKILL: no exit
    handlers), each waits on the others forever, re-parented to init. So every worker
    watches the owner itself, through a pidfd (readable once the owner has died);
    once the workers are gone, the fork server and the resource tracker read end of
    file on their pipes and exit too.
    """
    try:
        handle: int | None = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd (not Linux, or before 5.3): poll
        handle = None
    watcher = threading.Thread(target=_exit_after, args=(owner, handle), daemon=True)
    watcher.start()


def _exit_after(owner: int, handle: int | None) -> None:
    if handle is not None:
        select.select([handle], [], [])
    else:
        while _exists(owner):
            time.sleep(0.5)
    os._exit(1)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        pass
    return True


# What workers run; imported once in the fork server so each worker starts ready.
PRELOAD = [
    "crawler.sources.feed",
    "crawler.extract.article",
    "crawler.analysis",
    "crawler.runtime.preload",
]


def _ready() -> bool:
    return True


def start_workers() -> None:
    """Make this process's pool now (its workers spawn as work arrives): from here on
    `run_light` work goes to the workers too."""
    _pool()


def started() -> bool:
    return _POOL is not None and os.getpid() == _POOL_PID


async def run_light(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker if this process has its workers, else in a thread: for
    work light enough (a feed's parse) not to be worth starting them for."""
    if started():
        return await run_in_worker(func, *args)
    return await asyncio.to_thread(func, *args)


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


BATCH_LIMIT = 16
"""Most calls sent to a worker in one task."""

_Call = tuple[tuple[Any, ...], "asyncio.Future[Any]"]


class _Feeder:
    """Calls of one function from one loop, sent to the workers several to a task.

    Every task costs the loop's process about 0.3 ms of CPU in the executor's threads
    (handoffs and pipe writes), more than the pickling. So at most two tasks per worker
    are out at a time, and calls made meanwhile wait and go together in the next task:
    nothing waits while a worker is free, and under load the cost is shared.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.slots = 2 * _workers()
        self.out = 0
        self.waiting: list[_Call] = []

    def call(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((args, future))
        self._send()
        return future

    def _send(self) -> None:
        self.waiting = [call for call in self.waiting if not call[1].done()]  # given up on
        while self.waiting and self.out < self.slots:
            calls, self.waiting = self.waiting[:BATCH_LIMIT], self.waiting[BATCH_LIMIT:]
            self.out += 1
            task = asyncio.get_running_loop().create_task(
                run_in_worker(_each, self.func, [args for args, _ in calls])
            )
            task.add_done_callback(functools.partial(self._settle, calls))

    def _settle(self, calls: list[_Call], task: asyncio.Task[Any]) -> None:
        self.out -= 1
        if task.cancelled():
            outcomes: list[tuple[bool, Any]] = [(False, None)] * len(calls)
        elif (error := task.exception()) is not None:
            outcomes = [(False, error)] * len(calls)
        else:
            outcomes = task.result()
        for (ok, value), (_, future) in zip(outcomes, calls, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            elif value is None:
                future.cancel()
            else:
                future.set_exception(value)
        self._send()


def _each(func: Callable[..., Any], calls: list[tuple[Any, ...]]) -> list[tuple[bool, Any]]:
    """What a worker runs for a batch: each call's result, or the exception it raised."""
    outcomes: list[tuple[bool, Any]] = []
    for args in calls:
        try:
            outcomes.append((True, func(*args)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


_FEEDERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, _Feeder]] = (
    weakref.WeakKeyDictionary()
)


async def run_batched(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker process, sent with other calls of `func` made while the
    workers were busy (`func` must be a module-level function)."""
    loop = asyncio.get_running_loop()
    feeders = _FEEDERS.setdefault(loop, {})
    feeder = feeders.get(func)
    if feeder is None:
        feeder = feeders[func] = _Feeder(func)
    return await feeder.call(args)


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
