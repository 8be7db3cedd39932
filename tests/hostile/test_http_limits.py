"""Responses built to exhaust: gzip bombs, a 2 GB body, a server that drips bytes.

Every one must end in a `FetchError` that names the cap or the time budget, quickly,
and without holding more than a few times the cap in memory.
"""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest

from crawler.fetch.http import FetchError, HttpFetcher
from crawler.model import Candidate
from crawler.settings import NetworkSettings, SourceSettings
from crawler.sources.feed import poll_feed
from crawler.sources.sites import fetch_article_pages
from tests.servers import LocalHTTPServer, Response

GIB = 1 << 30


def gzip_bomb(inflated: int, block: int = 1 << 20) -> bytes:
    """A gzip member of `inflated` zero bytes, ~1000 times smaller, built in milliseconds.

    Each MiB of zeros compresses (after a full flush) to the same bytes, so the stream
    is one block repeated; its trailer is wrong, which only a reader that inflated all
    of it would ever see.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(block)
    head = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeat = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    return head + repeat * (inflated // block - 1) + deflate.flush()


BOMB = gzip_bomb(8 * GIB)  # 8.5 MB on the wire, under the default 10 MB cap
DOUBLE_BOMB = gzip.compress(gzip_bomb(4 * GIB))  # 10 KB on the wire, 4 GiB inflated


async def _fetch(network: NetworkSettings, url: str) -> tuple[str, float, int]:
    """The error a fetch ends in, its wall time and the peak Python memory it took."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        async with HttpFetcher(network) as fetcher:
            with pytest.raises(FetchError) as failed:
                await fetcher.get(url, trusted=True)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return failed.value.reason, time.monotonic() - started, peak


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (BOMB, "gzip"),
        (BOMB, None),
        (DOUBLE_BOMB, "gzip, gzip"),
        (DOUBLE_BOMB, "gzip"),
        (BOMB[10:-8], "deflate"),  # the same zeros as raw deflate
    ],
    ids=["content-encoding", "bare-gzip-bytes", "gzip-twice", "gzip-inside-gzip", "deflate"],
)
async def test_gzip_bombs_stop_at_the_cap(
    server: LocalHTTPServer, body: bytes, encoding: str | None
) -> None:
    network = NetworkSettings(allow_private=True)  # the default 10 MB cap
    headers = {"Content-Type": "application/rss+xml"}
    if encoding:
        headers["Content-Encoding"] = encoding
    url = server.route("/bomb.xml", Response(body=body, headers=headers))
    reason, elapsed, peak = await _fetch(network, url)
    assert "size cap of 10.0 MB" in reason and "decompression" in reason
    assert elapsed < 5
    assert peak < 4 * network.max_bytes + len(body), f"peak {peak / 1e6:.1f} MB"


async def test_unknown_content_encoding_is_an_error_not_garbage(
    server: LocalHTTPServer, network: NetworkSettings
) -> None:
    url = server.route(
        "/br.xml", Response(body=b"\x0b\x02\x80", headers={"Content-Encoding": "br"})
    )
    reason, _, _ = await _fetch(network, url)
    assert "unsupported Content-Encoding 'br'" in reason


def _two_gigabytes(sent: list[int]) -> Iterator[bytes]:
    block = b"<item><title>padding</title></item>" * 1800  # ~63 KB
    yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>'
    while sent[0] < 2 * GIB:
        sent[0] += len(block)
        yield block


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
async def test_a_2gb_response_stops_at_the_cap_without_buffering(
    server: LocalHTTPServer, network: NetworkSettings, declared: bool
) -> None:
    sent = [0]
    headers = {"Content-Length": str(2 * GIB)} if declared else {}
    url = server.route("/huge.xml", lambda _r: Response(body=_two_gigabytes(sent), headers=headers))
    reason, elapsed, peak = await _fetch(network, url)
    assert "size cap of 1.0 MB" in reason
    if declared:
        assert "Content-Length 2048.0 MB" in reason
    assert elapsed < 5 and peak < 8 * network.max_bytes
    await asyncio.sleep(0.2)
    assert sent[0] < 64 * network.max_bytes  # the server was stopped, not drained


def _drip(delay: float) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
    for _ in range(600):
        time.sleep(delay)
        yield b" "


async def test_slowloris_hits_the_total_timeout(
    server: LocalHTTPServer, network: NetworkSettings
) -> None:
    """Each byte comes well within the read timeout; only the total budget stops it."""
    url = server.route("/slow.xml", lambda _r: Response(body=_drip(0.2)))
    reason, elapsed, _ = await _fetch(network, url)
    assert "total time budget" in reason
    assert network.total_timeout <= elapsed < network.total_timeout + 2


async def test_poll_feed_reports_the_bomb_and_the_drip(
    server: LocalHTTPServer, network: NetworkSettings
) -> None:
    server.route(
        "/bomb.xml", Response(body=DOUBLE_BOMB, headers={"Content-Encoding": "gzip, gzip"})
    )
    server.route("/slow.xml", lambda _r: Response(body=_drip(0.2)))
    async with HttpFetcher(network) as fetcher:
        bomb, slow = await asyncio.gather(
            poll_feed(fetcher, SourceSettings(name="bomb", url=server.url("/bomb.xml"))),
            poll_feed(fetcher, SourceSettings(name="slow", url=server.url("/slow.xml"))),
        )
    assert bomb.error is not None and "size cap" in bomb.error
    assert slow.error is not None and "timed out" in slow.error


@pytest.mark.parametrize("path", ["/bomb.html", "/slow.html", "/huge.html"])
async def test_article_pages_survive_bombs_drips_and_floods(
    server: LocalHTTPServer, network: NetworkSettings, path: str
) -> None:
    """The same attacks on the Scrapy side: the page fails, the batch goes on.

    Scrapy retries a timed-out page twice, so the drip costs three total timeouts.
    """
    network = network.model_copy(update={"total_timeout": 1.0})
    server.route("/robots.txt", Response(404))
    server.route(
        "/bomb.html",
        Response(
            body=DOUBLE_BOMB,
            headers={"Content-Encoding": "gzip, gzip", "Content-Type": "text/html"},
        ),
    )
    server.route(
        "/slow.html", lambda _r: Response(body=_drip(0.2), headers={"Content-Type": "text/html"})
    )
    server.route(
        "/huge.html",
        lambda _r: Response(body=_two_gigabytes([0]), headers={"Content-Type": "text/html"}),
    )
    candidate = Candidate(
        url=server.url(path), title="t", topic="russia-ukraine-talks", summary="s"
    )
    tracemalloc.start()
    started = time.monotonic()
    try:
        await fetch_article_pages([candidate], network, time_budget=20)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert candidate.extract_error is not None and candidate.text is None
    assert time.monotonic() - started < network.total_timeout * 3 + 5
    assert peak < 16 * network.max_bytes + len(DOUBLE_BOMB), f"peak {peak / 1e6:.1f} MB"
