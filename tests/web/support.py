"""Helpers of the dashboard tests: a populated database, a live server, the browser."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import uvicorn
from sqlalchemy.engine import Engine

from crawler.store.db import session_scope
from crawler.store.tables import Article, Source, Story
from notifier.settings import WebSettings
from notifier.tables import Alert, Shift, TopicState
from notifier.web import DashboardSettings

TOPIC = "russia-ukraine-talks"
XSS_TITLE = "Talks resume <img src=x onerror=alert(1)> in Istanbul"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Seeded:
    engine: Engine
    now: datetime
    statuses: set[str]  # statuses of articles inside the chart's 30 days
    shift_ids: list[int]  # oldest first
    dead_alert: int
    sent_alert: int


def _article(n: int, outlet: str, status: str, published: datetime, story: int, **kw) -> Article:
    return Article(
        url=f"https://{outlet}/news/{n}",
        original_url=f"https://{outlet}/news/{n}?utm_source=x",
        outlet=outlet,
        source="wire",
        topic=TOPIC,
        title=kw.pop("title", f"Article {n} on the talks ({status})"),
        text="body",
        published=published,
        fetched=published,
        content_hash=f"hash{n}",
        story_id=story,
        status=status,
        confidence=kw.pop("confidence", 0.8),
        evidence=kw.pop("evidence", [f"Delegations said the talks were {status} on day {n}."]),
        **kw,
    )


def populate(engine: Engine, now: datetime) -> Seeded:
    """Sources, stories, articles, shifts, alerts and topic state as a crawl would leave them."""
    plan = [  # (days ago, status, outlets of the story)
        (28, "ongoing", ["apnews.com", "reuters.com"]),
        (24, "ongoing", ["bbc.co.uk"]),
        (20, "stalled", ["apnews.com", "dw.com", "france24.com"]),
        (18, "stalled", ["reuters.com"]),
        (12, "none", ["kyivindependent.com"]),
        (9, "progress", ["aljazeera.com", "bbc.co.uk"]),
        (5, "stalled", ["dw.com"]),
        (3, "ceasefire", ["apnews.com", "reuters.com", "bbc.co.uk", "dw.com"]),
        (2, "ceasefire", ["france24.com", "aljazeera.com", "theguardian.com"]),
        (40, "collapsed", ["reuters.com"]),  # outside the 30-day chart
    ]
    statuses: set[str] = set()
    n = 0
    with session_scope(engine) as session:
        ids_by_status: dict[str, list[int]] = {}
        for days_ago, status, outlets in plan:
            published = now - timedelta(days=days_ago, hours=2)
            story = Story(
                topic=TOPIC,
                first_seen=published,
                last_seen=published,
                articles=len(outlets),
                outlets=len(outlets),
            )
            session.add(story)
            session.flush()
            for outlet in outlets:
                n += 1
                article = _article(n, outlet, status, published, story.id)
                session.add(article)
                session.flush()
                ids_by_status.setdefault(status, []).append(article.id)
            if days_ago < 30:
                statuses.add(status)
        story = Story(topic=TOPIC, first_seen=now - timedelta(days=1), articles=1, outlets=1)
        session.add(story)
        session.flush()
        xss = _article(
            999,
            "evil.example",
            "ongoing",
            now - timedelta(days=1),
            story.id,
            title=XSS_TITLE,
            evidence=['Negotiators met <script>alert("e")</script> behind closed doors.'],
            confidence=0.55,
        )
        session.add(xss)
        session.flush()
        statuses.add("ongoing")

        shifts = [
            Shift(
                topic=TOPIC,
                kind="status_change",
                from_status="ongoing",
                to_status="stalled",
                stories=2,
                outlets=4,
                detected_at=now - timedelta(days=19),
                reasons=["stalled leads with 62% of weighted coverage"],
                article_ids=ids_by_status["stalled"][:3],
            ),
            Shift(
                topic=TOPIC,
                kind="surge",
                from_status="stalled",
                to_status="stalled",
                stories=6,
                outlets=6,
                detected_at=now - timedelta(days=5),
                suppressed="cooldown",
                reasons=["6 stories in 6 h against a baseline of 1"],
                article_ids=[],
            ),
            Shift(
                topic=TOPIC,
                kind="decisive_status",
                from_status="stalled",
                to_status="ceasefire",
                stories=2,
                outlets=7,
                detected_at=now - timedelta(days=2, hours=1),
                reasons=["ceasefire in 7 independent outlets", "status change"],
                article_ids=[xss.id, *ids_by_status["ceasefire"][:3]],
            ),
        ]
        session.add_all(shifts)
        session.flush()
        alerts = [
            Alert(
                shift_id=shifts[0].id,
                channel="ops",
                state="sent",
                attempts=1,
                sent_at=now - timedelta(days=19),
                idempotency_key="k1",
            ),
            Alert(
                shift_id=shifts[2].id,
                channel="ops",
                state="dead",
                attempts=9,
                next_attempt_at=now - timedelta(hours=3),
                last_error="HTTP 503 from hooks.example.org <b>down</b>",
                idempotency_key="k2",
            ),
            Alert(
                shift_id=shifts[2].id,
                channel="desk",
                state="pending",
                attempts=2,
                next_attempt_at=now + timedelta(minutes=4),
                last_error="connection refused",
                idempotency_key="k3",
            ),
        ]
        session.add_all(alerts)
        session.add(
            TopicState(
                topic=TOPIC,
                status="ceasefire",
                since=now - timedelta(days=2, hours=1),
                stories=2,
                outlets=7,
                updated_at=now,
            )
        )
        session.add_all(
            [
                Source(
                    name="ap-world",
                    url="https://apnews.com/world.rss",
                    topic=TOPIC,
                    last_polled_at=now - timedelta(minutes=5),
                    last_success_at=now - timedelta(minutes=5),
                    next_poll_at=now + timedelta(minutes=10),
                    polls=40,
                ),
                Source(
                    name="broken-feed",
                    url="https://broken.example/rss",
                    topic=TOPIC,
                    last_polled_at=now - timedelta(minutes=2),
                    last_success_at=now - timedelta(days=1),
                    last_error="HTTP 404 <not found>",
                    last_error_at=now - timedelta(minutes=2),
                    consecutive_failures=3,
                    failures=3,
                    polls=20,
                    next_poll_at=now + timedelta(minutes=30),
                    next_poll_reason="backoff after 3 failures",
                ),
                Source(name="new-listing", kind="listing", url="https://x.example/", topic=TOPIC),
            ]
        )
        session.flush()
        return Seeded(
            engine=engine,
            now=now,
            statuses=statuses,
            shift_ids=[s.id for s in shifts],
            dead_alert=alerts[1].id,
            sent_alert=alerts[0].id,
        )


class LiveServer:
    """uvicorn in a thread on 127.0.0.1, on a port the OS picked."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def dashboard_settings(token: str | None = None) -> DashboardSettings:
    return DashboardSettings(web=WebSettings(token=token), channels=["ops", "desk"])


def chromium_or_skip() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
