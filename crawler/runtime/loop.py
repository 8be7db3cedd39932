"""The one event loop everything async runs in, and the Twisted reactor riding on it.

Scrapy needs a Twisted reactor; peacewatch's feed poller, web server and scheduler are
asyncio. Twisted's `AsyncioSelectorReactor` drives Twisted from an asyncio loop, so
both share one loop. A reactor is bound to the loop it was installed on and cannot be
restarted, while an asyncio loop is created per `asyncio.run` (and per test by
pytest-asyncio). So `ensure_reactor()` binds a fresh reactor to whichever loop is
running when a crawl starts, and only replaces it when that loop changes: a daemon
keeps one reactor for its lifetime, tests and one-off commands get a clean one per
loop, and `ReactorNotRestartable` cannot happen. Nothing of Twisted or Scrapy is
imported until a crawl needs the reactor: a daemon polling feeds never loads them
(~45 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REACTOR_THREADS = 10
YOUNG_OBJECTS = 50_000
"""Container objects allocated between two collections of the youngest generation
(CPython's default: 700). Ingest allocates a few hundred per entry (ORM rows, index
buckets, word sets), so at the default the collector ran every few entries and, as
the archive's index grew, walked more of it each time: storing every entry of 100 of the feed
benchmark's feeds (6,515 entries), 1,280 collections took 1.3-1.4 s of the crawling
process's 6-7 s of CPU; at 50,000, 9 collections took 0.1 s (10,000: 55, 0.3 s). Only
cyclic garbage waits longer for it; everything else is freed when its last reference
goes."""

_lock = threading.Lock()


def _daemon_thread_pool() -> Any:
    """Twisted's pool (Scrapy resolves DNS in it) with threads that never block exit.

    A reactor on a loop we do not own (pytest-asyncio's, uvicorn's) is never shut down
    by us, and non-daemon worker threads would then hang the interpreter at exit.
    """
    from twisted.python.threadpool import ThreadPool

    class DaemonThreadPool(ThreadPool):
        def threadFactory(self, *args: Any, **kwargs: Any) -> threading.Thread:
            return threading.Thread(*args, daemon=True, **kwargs)

    return DaemonThreadPool(0, REACTOR_THREADS, "peacewatch.reactor")


def _installed() -> Any | None:
    return sys.modules.get("twisted.internet.reactor")


def _retire(reactor: Any) -> None:
    """Let go of a reactor whose loop is gone: stop its threads, close its pipes."""
    pool = getattr(reactor, "threadpool", None)
    if pool is not None and pool.started:
        pool.stop()
    for reader in list(getattr(reactor, "_internalReaders", ())):
        with contextlib.suppress(Exception):
            reader.connectionLost(None)
    import twisted.internet

    sys.modules.pop("twisted.internet.reactor", None)
    if hasattr(twisted.internet, "reactor"):
        delattr(twisted.internet, "reactor")


def ensure_reactor() -> Any:
    """Return an asyncio reactor running on the current event loop, installing it if needed.

    Call from inside a running loop (every crawl entry point does). The reactor is
    marked running (so Twisted starts its thread pool and `callWhenRunning` work)
    without taking over the loop or the process's signal handlers.
    """
    from scrapy.utils.reactor import install_reactor

    loop = asyncio.get_running_loop()
    with _lock:
        current = _installed()
        if current is not None and getattr(current, "_asyncioEventloop", None) is loop:
            return current
        if current is not None:
            if not hasattr(current, "_asyncioEventloop"):
                raise RuntimeError(
                    f"a non-asyncio Twisted reactor is installed ({type(current).__name__})"
                )
            _retire(current)
        install_reactor(ASYNCIO_REACTOR)
        reactor = _installed()
        assert reactor is not None
        if reactor._asyncioEventloop is not loop:
            # install_reactor took the thread's default loop; bind to the running one.
            _retire(reactor)
            from twisted.internet import asyncioreactor

            asyncioreactor.install(eventloop=loop)
            reactor = _installed()
        reactor.threadpool = _daemon_thread_pool()
        reactor.threadpool.start()
        reactor.addSystemEventTrigger("during", "shutdown", reactor.threadpool.stop)
        reactor.startRunning(installSignalHandlers=False)
        return reactor


def release_reactor() -> None:
    """Retire the reactor of the current loop (before the caller closes that loop)."""
    with _lock:
        current = _installed()
        if current is not None:
            _retire(current)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh loop that spiders can share (each
    crawl that needs the reactor binds it to this loop, `ensure_reactor`).

    The entry point of every async command: like `asyncio.run`, callable again and
    again in one process.
    """

    async def main() -> T:
        try:
            return await coro
        finally:
            release_reactor()

    young, *older = gc.get_threshold()
    if 0 < young < YOUNG_OBJECTS:
        gc.set_threshold(YOUNG_OBJECTS, *older)
    return asyncio.run(main())
