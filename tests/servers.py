"""Real local servers for tests: an HTTP server whose routes a test sets up.

Everything is served from 127.0.0.1 on a free port, from a thread, so tests exercise
real sockets, real headers and real timeouts without touching the internet.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Handler = Callable[["Request"], Response]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


async def read_request_head(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
    """The next request's path (without its query) and lower-cased headers, for the
    asyncio servers of the benchmarks and the soak, which answer by hand."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1].split("?")[0]
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    return path, headers


class ThreadingServer(ThreadingHTTPServer):
    """A threading HTTP server that takes a crawler's burst of connections at once:
    with the default backlog of 5, the kernel drops the rest and the client waits 1 s,
    3 s, 7 s ... to try again."""

    request_queue_size = 1024
    daemon_threads = True


class LocalHTTPServer:
    """Routes by exact path; records every request it answers; over TLS if given a
    server context."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle on, the body waits for
            # the client's delayed ACK: 40 ms per keep-alive request.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with server._lock:
                    server.requests.append(request)
                handler = server.routes.get(self.path) or server.routes.get(
                    self.path.split("?", 1)[0]
                )
                response = handler(request) if handler else Response(404, b"not found")
                if response.delay:
                    time.sleep(response.delay)
                try:
                    self.send_response(response.status)
                    chunks: Iterable[bytes]
                    if isinstance(response.body, bytes):
                        chunks = [response.body]
                        self.send_header("Content-Length", str(len(response.body)))
                    else:
                        chunks = response.body
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if self.command != "HEAD":
                        for chunk in chunks:
                            self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_HEAD = _serve

        self._httpd = ThreadingServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler | Response) -> str:
        self.routes[path] = handler if callable(handler) else (lambda _r, h=handler: h)
        return self.url(path)

    def file(self, path: str, source: Path, content_type: str = "application/xml") -> str:
        return self.route(
            path, Response(body=source.read_bytes(), headers={"Content-Type": content_type})
        )

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path.split("?", 1)[0] == path)

    def start(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def conditional(body: bytes, etag: str, content_type: str = "application/rss+xml") -> Handler:
    """A route that answers 304 when the client sends back the ETag."""

    def handler(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(304, headers={"ETag": etag})
        return Response(body=body, headers={"Content-Type": content_type, "ETag": etag})

    return handler


def gzipped(body: bytes, content_type: str = "application/rss+xml") -> Response:
    return Response(
        body=gzip.compress(body),
        headers={"Content-Type": content_type, "Content-Encoding": "gzip"},
    )


def endless(total: int, chunk: int = 65536) -> Iterator[bytes]:
    block = b"<!-- padding -->" * (chunk // 16)
    sent = 0
    yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>'
    while sent < total:
        yield block
        sent += len(block)


def self_signed_server(folder: Path) -> tuple[LocalHTTPServer, Path]:
    """An HTTPS server on 127.0.0.1 with a certificate of its own, made with `openssl`,
    and the certificate's file, for a client to trust or not."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return LocalHTTPServer(tls=context).start(), cert
