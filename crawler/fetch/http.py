"""Fetching bytes over HTTP the careful way: caps, timeouts, redirects, politeness.

Every response is streamed and counted after decompression, so a 60 MB page or a
gzip bomb stops at the cap instead of filling memory. Redirects are followed by hand
(at most `MAX_REDIRECTS`), and a hop to another host is checked like any link learned
from content. Errors come out as `FetchError` with a reason a person can read.

Credentials in a URL (`https://user:pass@host/feed.xml`) are sent as HTTP basic auth:
aiohttp refuses a URL carrying them beside an Authorization header,
so they leave the URL and go in the header, for that origin's hops only.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import ssl
import zlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import aiohttp
import certifi

from crawler.clock import as_utc, utcnow
from crawler.fetch.errors import FetchError
from crawler.fetch.guard import BlockedURL, check_scheme, check_url
from crawler.settings import MAX_REDIRECTS, NetworkSettings

GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class FetchResult:
    url: str
    status: int
    headers: Mapping[str, str]  # case-insensitive: aiohttp's CIMultiDictProxy
    body: bytes = b""
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None if unreadable.

    One reading for feeds, spiders and webhooks alike.
    """
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, (when - (as_utc(now) or utcnow())).total_seconds())


def _describe(exc: BaseException) -> str:
    """The underlying cause in words."""
    cause = exc.__cause__ or exc
    if isinstance(cause, TimeoutError) or "Timeout" in type(cause).__name__:
        return f"timed out ({type(cause).__name__})"
    if isinstance(cause, aiohttp.ClientConnectorError):
        error = cause.os_error
        reason = error.strerror or (os.strerror(error.errno) if error.errno else str(error))
        return f"cannot connect to {cause.host}:{cause.port}: {reason.lower()}"
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without a response"
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def gunzip_capped(body: bytes, max_bytes: int) -> bytes:
    """Inflate a gzip body that arrived without Content-Encoding, within the cap."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError(f"corrupt gzip body: {exc}") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise FetchError(f"response over the size cap of {_size(max_bytes)} after decompression")
    return out


class _CappedDecoder:
    """Undo the response's Content-Encoding layers, never inflating past the cap.

    httpx's own decoders inflate a whole chunk per layer, so `Content-Encoding: gzip,
    gzip` turns 10 KB on the wire into gigabytes in one call. Each layer here gets at
    most `cap + 1` bytes of output room, so a bomb stops at the cap.
    """

    def __init__(self, encodings: str, cap: int) -> None:
        self.cap = cap
        self.total = 0
        self._layers: list[tuple[str, Any | None]] = []
        names = [e.strip().lower() for e in encodings.split(",") if e.strip()]
        for name in reversed(names):  # the last encoding applied is undone first
            if name == "identity":
                continue
            if name not in ("gzip", "x-gzip", "deflate"):
                raise FetchError(f"unsupported Content-Encoding {name[:40]!r}")
            self._layers.append((name, None))
        self._room = [cap + 1] * len(self._layers)

    def _inflater(self, index: int, data: bytes) -> Any:
        name, inflater = self._layers[index]
        if inflater is None:
            if name == "deflate":
                # RFC 9110 says zlib-wrapped; many servers send raw deflate.
                wrapped = (
                    len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
                )
                inflater = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            else:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._layers[index] = (name, inflater)
        return inflater

    def _pass(self, data: bytes, *, final: bool) -> bytes:
        for index in range(len(self._layers)):
            if not data and not final:
                return b""
            inflater = self._inflater(index, data)
            room = self._room[index]
            try:
                out = inflater.decompress(data, room) if data else b""
                if final and len(out) < room:
                    out += inflater.flush(room - len(out))
            except zlib.error as exc:
                name = self._layers[index][0]
                raise FetchError(f"cannot decode response: corrupt {name} body ({exc})") from None
            if len(out) >= room or inflater.unconsumed_tail:
                raise FetchError(
                    f"response over the size cap of {_size(self.cap)} after decompression"
                )
            self._room[index] = room - len(out)
            data = out
        return data

    def feed(self, chunk: bytes) -> bytes:
        return self._pass(chunk, final=False)

    def flush(self) -> bytes:
        return self._pass(b"", final=True)


async def _drain(response: aiohttp.ClientResponse, limit: int) -> None:
    """Consume a small body so keep-alive works; give up on large ones."""
    seen = 0
    async for chunk in response.content.iter_any():
        seen += len(chunk)
        if seen > limit:
            break


def split_credentials(url: str) -> tuple[str, str | None]:
    """`url` without its `user:pass@`, and the basic-auth header value they make (None
    when it has none). Percent-escapes in them are decoded; the pair is sent as UTF-8."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    pair = f"{unquote(user)}:{unquote(password)}".encode()
    bare = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return bare, "Basic " + base64.b64encode(pair).decode("ascii")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or ""), port


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Verified TLS that trusts what httpx trusts (webhooks and the LLM backend go through
    httpx): `SSL_CERT_FILE` or `SSL_CERT_DIR` when set, else certifi's bundle. Made here,
    once a process, rather than by httpx, whose import (and the console library its
    command line brings) was a tenth of a one-off crawl's start-up."""
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=cafile)
    if capath := os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context(cafile=certifi.where())


class HttpFetcher:
    """One aiohttp session with a global and a per-host concurrency limit."""

    def __init__(self, network: NetworkSettings) -> None:
        self.network = network
        self._global = asyncio.Semaphore(network.concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(network.per_host)
        )
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HttpFetcher:
        # aiohttp directly, not through httpx: httpx's request building, URL merging and
        # cookie extraction were most of a 304 poll's CPU (tests/bench/bench_daemon.py).
        # No cookie jar: a cookie one feed sets must never be sent to another.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.network.concurrency, ssl=tls_context()),
            headers={"User-Agent": self.network.agent, "Accept-Encoding": "gzip, deflate"},
            timeout=aiohttp.ClientTimeout(
                sock_connect=self.network.connect_timeout, sock_read=self.network.read_timeout
            ),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        trusted: bool = True,
        accept: str | None = None,
    ) -> FetchResult:
        """GET `url` within the total timeout; `trusted` is False for links from content.

        The time budget starts when the request gets its connection slot: time spent
        queued behind this client's own concurrency limits (a burst of due sources)
        is not the server's slowness and must not fail its source.
        """
        try:
            return await self._get(url, headers or {}, trusted, accept)
        except TimeoutError:
            raise FetchError(
                f"timed out after {self.network.total_timeout:g} s (total time budget)"
            ) from None

    async def _get(
        self, url: str, headers: dict[str, str], trusted: bool, accept: str | None
    ) -> FetchResult:
        assert self._session is not None, "use HttpFetcher as an async context manager"
        loop = asyncio.get_running_loop()
        budget = self.network.total_timeout
        deadline: float | None = None  # set when the first hop gets its slot
        origin_host = urlsplit(url).hostname or ""
        redirects: list[str] = []
        if accept:
            headers = {**headers, "Accept": accept}
        auth: tuple[tuple[str, str, int | None], str] | None = None
        while True:
            bare, credentials = split_credentials(url)
            if credentials is not None:
                auth = (_origin(bare), credentials)
            hop = headers
            if auth is not None and _origin(bare) == auth[0]:  # never to another origin
                hop = {**headers, "Authorization": auth[1]}
            host = (urlsplit(url).hostname or "") if redirects else origin_host
            try:
                if not trusted or host != origin_host:
                    async with asyncio.timeout_at(deadline or loop.time() + budget):
                        await check_url(url, allow_private=self.network.allow_private)
                elif redirects:
                    check_scheme(url)  # a redirect on the same host may still change it
            except BlockedURL as exc:
                raise FetchError(str(exc)) from None
            async with self._global, self._hosts[host]:
                deadline = deadline or loop.time() + budget
                async with asyncio.timeout_at(deadline):
                    try:
                        result = await self._once(bare, hop)
                    except FetchError as exc:
                        if not redirects:
                            raise
                        raise FetchError(  # where the redirects led, or it reads as a mystery
                            f"{exc.reason} (after a redirect to {url[:200]})",
                            status=exc.status,
                            retry_after=exc.retry_after,
                        ) from None
                    result.url = url
            if result.status in (301, 302, 303, 307, 308) and "location" in result.headers:
                if len(redirects) >= MAX_REDIRECTS:
                    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")
                redirects.append(url)
                url = urljoin(url, result.headers["location"])
                if url in redirects:
                    raise FetchError(f"redirect loop at {url}")
                continue
            result.redirects = redirects
            return result

    async def _once(self, url: str, headers: dict[str, str]) -> FetchResult:
        assert self._session is not None
        cap = self.network.max_bytes
        try:
            async with self._session.get(url, headers=headers, allow_redirects=False) as response:
                status = response.status
                if status in (301, 302, 303, 307, 308, 304):
                    if response.headers.get("content-length") != "0":
                        # Read the small body so the connection goes back to the pool.
                        await _drain(response, cap)
                    return FetchResult(url, status, response.headers)
                if status >= 400:
                    await _drain(response, 65536)
                    raise FetchError(
                        f"HTTP {status} {response.reason or ''}".strip(),
                        status=status,
                        retry_after=response.headers.get("retry-after"),
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchError(
                        f"response over the size cap of {_size(cap)} "
                        f"(Content-Length {_size(int(declared))})"
                    )
                decoder = _CappedDecoder(response.headers.get("content-encoding", ""), cap)
                chunks: list[bytes] = []
                total = 0
                async for raw in response.content.iter_any():
                    chunk = decoder.feed(raw)
                    total += len(chunk)
                    if total > cap:
                        raise FetchError(f"response over the size cap of {_size(cap)}")
                    chunks.append(chunk)
                chunks.append(decoder.flush())
                if total + len(chunks[-1]) > cap:
                    raise FetchError(f"response over the size cap of {_size(cap)}")
                body = b"".join(chunks)
        except FetchError:
            raise
        except aiohttp.InvalidURL as exc:  # a redirect Location that cannot be fetched
            raise FetchError(f"invalid URL {str(exc.url)[:200]!r}") from None
        except (aiohttp.ClientError, OSError) as exc:
            # A malformed response (a bad status line, a broken chunk) and every network
            # failure arrive as aiohttp's ClientError.
            raise FetchError(_describe(exc)) from None
        if body.startswith(GZIP_MAGIC):
            body = gunzip_capped(body, cap)
        return FetchResult(url, status, response.headers, body)
