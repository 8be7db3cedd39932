"""Real local receivers for alert tests: an HTTP webhook receiver and an aiosmtpd server."""

from __future__ import annotations

import random
import socket
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine

from crawler.extract.text import one_line
from crawler.model import Candidate, Classification, Classifier
from crawler.settings import TopicSettings
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from scheduler.database import open_database

T0 = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver whose answers a test scripts: a status per request, or a delay."""

    url: str
    requests: list[Received] = field(default_factory=list)
    responses: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            state.arrived.set()
            if state.delay:
                time.sleep(state.delay)
            code, headers = state.responses.pop(0) if state.responses else (200, {})
            self.send_response(code)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        data = envelope.content  # type: ignore[attr-defined]
        self.messages.append(message_from_bytes(data, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[EmailMessage]]]:
    box = _Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box.messages
    controller.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'pw.db'}")
    yield engine
    engine.dispose()


def labelled(labels: dict[str, str]) -> Classifier:
    """A reader that answers each headline's label (else `none`), quoting the headline."""

    def classify(title: str, text: str, language: str | None = None) -> Classification:
        return Classification(labels.get(title, "none"), 0.9, [f"{title}."])

    return classify


def ingest(
    engine: Engine,
    rows: Sequence[tuple[Any, ...]],
    topic: TopicSettings | None = None,
) -> None:
    """Store articles (outlet, title, status, published[, text]) as the crawler would.

    The status is the classifier's answer for that article: the Ingestor's own
    extension point, so the ingest path runs whole. Without its own text, an article
    gets one shared wire text, so same-story rows fold into one story.
    """
    topic = topic or TopicSettings()
    labels = {one_line(row[1]): row[2] for row in rows}

    ingestor = Ingestor([topic], classifiers={topic.name: labelled(labels)})
    for outlet, title, _status, when, *own in rows:
        text = (
            own[0]
            if own
            else (
                f"{title}. Officials in Kyiv and Moscow confirmed the news to reporters; "
                "mediators said the talks continue. The announcement followed a long day of "
                "meetings between the two delegations, with envoys shuttling between hotels "
                "and briefing their capitals by phone. Diplomats cautioned that the details "
                "would take days to settle, and that monitors had yet to be agreed. "
                f"Report filed by {outlet}."
            )
        )
        candidate = Candidate(
            url=f"https://{outlet}/news/{zlib.crc32(title.encode())}",
            title=title,
            topic=topic.name,
            text=text,
            published=when,
            outlet=outlet,
        )
        with session_scope(engine) as session:
            ingestor.ingest(session, [candidate], now=when)


CEASEFIRE = "Russia and Ukraine agree a 30-day ceasefire"


_WORDS = (
    "envoy minister front line pause monitors border capital briefing statement delegation "
    "shelling drone artillery village corridor prisoners exchange observers summit mediator "
    "deadline proposal guarantees sanctions energy grid port grain convoy talks hotel phone "
    "spokesman analyst reporter region withdrawal frontier treaty clause signature draft"
).split()


def own_text(outlet: str, title: str) -> str:
    """An article written by `outlet` itself: words of its own, so it is its own story."""
    rng = random.Random(f"{outlet}/{title}")
    words = " ".join(rng.choice(_WORDS) for _ in range(80))
    return f"{title}. Kyiv and Moscow, {outlet} reports on the talks: {words}."


REUTERS_OWN = (
    "Negotiators in Istanbul signed off on a month-long halt to fighting late on Friday, "
    "according to two people briefed on the deal. Under the terms, artillery and drone "
    "strikes stop along the whole front line from Saturday morning, and a joint "
    "commission meets next week to draw up monitoring rules. European capitals welcomed "
    "the step but warned that earlier pauses had unravelled within days."
)


def ceasefire_articles(title: str = CEASEFIRE, when: datetime = T0) -> list[tuple[Any, ...]]:
    """Two outlets report a ceasefire in their own words: two independent reports."""
    return [
        ("apnews.com", title, "ceasefire", when),
        ("reuters.com", title + " after talks in Istanbul", "ceasefire", when, REUTERS_OWN),
    ]
