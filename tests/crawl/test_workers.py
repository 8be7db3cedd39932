"""Work sent to the worker processes comes back to the call that sent it."""

from __future__ import annotations

import asyncio
import math

import pytest

from crawler.runtime.workers import run_batched


def _root(value: float) -> float:
    if value < 0:
        raise ValueError(f"no real root of {value}")
    return math.sqrt(value)


def test_batched_calls_each_get_their_own_result_or_error() -> None:
    async def main() -> list[float | str]:
        calls = [run_batched(_root, float(v)) for v in (*range(60), -1, 81)]
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        return [str(o) if isinstance(o, Exception) else o for o in outcomes]

    outcomes = asyncio.run(main())
    assert outcomes[:60] == [math.sqrt(v) for v in range(60)]
    assert outcomes[60] == "no real root of -1.0"
    assert outcomes[61] == 9.0


def test_a_call_given_up_on_does_not_hold_back_the_rest() -> None:
    async def main() -> list[float]:
        calls = [asyncio.ensure_future(run_batched(_root, float(v))) for v in range(40)]
        calls[5].cancel()
        done = await asyncio.gather(*calls[6:])
        with pytest.raises(asyncio.CancelledError):
            await calls[5]
        return done

    assert asyncio.run(main()) == [math.sqrt(v) for v in range(6, 40)]
