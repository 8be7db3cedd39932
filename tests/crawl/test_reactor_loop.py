"""One event loop for Scrapy and asyncio code, however many times it is started."""

from __future__ import annotations

import asyncio

from crawler.runtime.loop import ensure_reactor, run


async def test_reactor_runs_on_the_running_loop(reactor) -> None:  # type: ignore[no-untyped-def]
    assert reactor._asyncioEventloop is asyncio.get_running_loop()
    assert reactor.running
    assert ensure_reactor() is reactor
    fired = asyncio.get_running_loop().create_future()
    reactor.callLater(0.01, fired.set_result, "twisted timer on the asyncio loop")
    assert await asyncio.wait_for(fired, 2) == "twisted timer on the asyncio loop"


async def test_a_new_loop_gets_a_new_reactor(reactor) -> None:  # type: ignore[no-untyped-def]
    # pytest-asyncio gives each test its own loop: the previous test's reactor is replaced.
    assert reactor._asyncioEventloop is asyncio.get_running_loop()


def test_run_can_be_called_again_and_again() -> None:
    async def twisted_sleep() -> str:
        from twisted.internet import defer, task

        reactor = ensure_reactor()
        await defer.Deferred.asFuture(
            task.deferLater(reactor, 0.01, lambda: None), asyncio.get_running_loop()
        )
        return "ok"

    assert [run(twisted_sleep()) for _ in range(3)] == ["ok"] * 3
