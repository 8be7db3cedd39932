"""The one event loop everything async runs in.

First version: plain asyncio. The Scrapy issue replaces this with Twisted's asyncio
reactor so spiders share the loop with the feed poller and the scheduler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
