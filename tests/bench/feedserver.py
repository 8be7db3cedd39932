"""A fast local feed server for benchmarks, run in its own process.

A small asyncio HTTP/1.1 server (keep-alive, ETag/304, optional gzip) so that the
client, not the server, is what a benchmark measures.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import multiprocessing
import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.servers import read_request_head

WORDS = (
    "government minister said officials week talks city people report year police court "
    "market economy energy prices election vote climate school health hospital storm "
    "company workers strike bank inflation football match season festival museum"
).split()
TALKS = [
    "Ukrainian and Russian negotiators met in Istanbul for a new round of peace talks",
    "Kremlin says ceasefire talks with Kyiv are stalled",
    "Zelensky and Putin envoys agree to a prisoner swap after talks",
]


def feed_document(n: int, entries: int, rng: random.Random) -> bytes:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    items = []
    for i in range(entries):
        if rng.random() < 0.05:
            title = f"{rng.choice(TALKS)} ({n}-{i})"
        else:
            title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        when = format_datetime(now - timedelta(minutes=17 * i + n))
        items.append(
            f"<item><title>{escape(title)}</title>"
            f"<link>https://site{n % 97}.example.com/news/{n}/{i}.html?utm_source=rss</link>"
            f'<guid isPermaLink="false">urn:{n}:{i}</guid><pubDate>{when}</pubDate>'
            f"<dc:creator>Reporter {i % 13}</dc:creator><category>World</category>"
            f"<description>{escape('<p>' + body[:200] + '</p>')}</description>"
            f'<content:encoded><![CDATA[<div class="story"><p>{body}</p>'
            f'<img src="https://img.example.com/{n}/{i}.jpg" alt=""/></div>]]></content:encoded>'
            f'<media:content url="https://img.example.com/{n}/{i}.jpg" medium="image"/>'
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>Feed {n}</title><link>https://site{n}.example.com/</link>"
        f"<description>News {n}</description><language>en</language>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def make_feeds(count: int, low: int = 30, high: int = 100, seed: int = 7) -> dict[str, bytes]:
    rng = random.Random(seed)
    return {f"/feed/{n}.xml": feed_document(n, rng.randint(low, high), rng) for n in range(count)}


async def _serve(sock: socket.socket, feeds: dict[str, bytes], compress: bool) -> None:
    bodies = {p: (gzip.compress(b, 5) if compress else b) for p, b in feeds.items()}
    etags = {p: '"' + hashlib.md5(b).hexdigest()[:16] + '"' for p, b in feeds.items()}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                path, headers = await read_request_head(reader)
                body = bodies.get(path)
                if body is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                elif headers.get("if-none-match") == etags[path]:
                    writer.write(
                        f"HTTP/1.1 304 Not Modified\r\nETag: {etags[path]}\r\n"
                        "Content-Length: 0\r\n\r\n".encode()
                    )
                else:
                    extra = "Content-Encoding: gzip\r\n" if compress else ""
                    writer.write(
                        f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n{extra}"
                        f"ETag: {etags[path]}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, sock=sock, backlog=4096)
    async with server:
        await server.serve_forever()


def _run(sock: socket.socket, feeds: dict[str, bytes], compress: bool) -> None:
    asyncio.run(_serve(sock, feeds, compress))


class FeedServer:
    """The server in a child process; `base` is its URL."""

    def __init__(self, feeds: dict[str, bytes], compress: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4096)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        ctx = multiprocessing.get_context("fork")
        self.proc = ctx.Process(target=_run, args=(self.sock, feeds, compress), daemon=True)

    def __enter__(self) -> FeedServer:
        self.proc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.join(5)
        self.sock.close()
