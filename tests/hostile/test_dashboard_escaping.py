"""Script and event-handler HTML in every field the dashboard shows stays text.

Article titles, URLs, outlets and evidence come from feeds and pages; source errors
quote servers; topic titles, source and channel names come from the config. Each is
stored here as an attack and every page, the Atom feed and the API are read back: no
`<script`, no event handler, no `javascript:` link survives as markup.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from crawler.clock import utcnow
from crawler.settings import TopicSettings
from crawler.store.db import session_scope
from crawler.store.tables import Article, Source, Story
from notifier.settings import WebSettings
from notifier.tables import Alert, Shift
from notifier.web import DashboardSettings, create_app
from scheduler.database import open_database
from tests.web.support import TOPIC, populate

SCRIPT = '<script>alert("pw")</script>'
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(2)>'
ATTACK = f"{SCRIPT}{IMG}{SVG}"

# Markup an attack would need to run: a tag with a script or a handler, a script URL.
LIVE = re.compile(
    r"<\s*script|<\s*(img|svg)\b[^>]*\son\w+\s*=|href\s*=\s*[\"']?\s*javascript:", re.I
)


OWN_SCRIPT = '<script src="/static/app.js" defer></script>'


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    engine = open_database(f"sqlite:///{tmp_path / 'pw.db'}")
    now = utcnow()
    seeded = populate(engine, now)
    with session_scope(engine) as session:
        story = Story(topic=TOPIC, first_seen=now - timedelta(hours=3), articles=1, outlets=1)
        session.add(story)
        session.flush()
        article = Article(
            url="javascript:alert(3)//" + ATTACK,
            original_url="javascript:alert(3)",
            outlet=f"evil{ATTACK}.example",
            source=f"src{ATTACK}",
            topic=TOPIC,
            title=f"Talks {ATTACK}",
            text=ATTACK,
            published=now - timedelta(hours=3),
            fetched=now,
            content_hash="hostile",
            story_id=story.id,
            status="ceasefire",
            confidence=0.9,
            evidence=[f"A ceasefire {ATTACK} was agreed."],
        )
        session.add(article)
        session.flush()
        shift = Shift(
            topic=TOPIC,
            kind="decisive_status",
            from_status="stalled",
            to_status="ceasefire",
            stories=1,
            outlets=1,
            detected_at=now - timedelta(hours=2),
            reasons=[f"reason {ATTACK}"],
            suppressed=f"cooldown {ATTACK}",
            article_ids=[article.id],
        )
        session.add(shift)
        session.flush()
        session.add(
            Alert(
                shift_id=shift.id,
                channel=f"ops{ATTACK}",
                state="dead",
                attempts=3,
                last_error=f"HTTP 500 {ATTACK}",
                idempotency_key=f"key{ATTACK}",
            )
        )
        session.add(
            Source(
                name=f"feed{ATTACK}",
                url=f"https://x.example/{ATTACK}",
                topic=TOPIC,
                last_error=f"malformed feed: {ATTACK}",
                last_error_at=now,
                consecutive_failures=1,
                next_poll_reason=f"backoff {ATTACK}",
            )
        )
    settings = DashboardSettings(
        web=WebSettings(),
        topics=[TopicSettings(name=TOPIC, title=f"Talks {ATTACK}")],
        channels=["ops", f"desk{ATTACK}"],
    )
    assert seeded.shift_ids
    return TestClient(create_app(engine, settings), base_url="http://localhost")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/articles",
        f"/articles?outlet=evil{ATTACK}.example",
        f"/articles?status={SCRIPT}&from={IMG}",
        "/operations",
        f"/operations?error={SCRIPT}",
    ],
)
def test_pages_show_attacks_as_text(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    text = page.text.replace(OWN_SCRIPT, "", 1)
    found = LIVE.search(text)
    assert found is None, text[max(0, found.start() - 200) : found.end() + 100]
    assert "default-src" in page.headers.get("content-security-policy", "")


def test_escaped_attacks_are_still_shown(client: TestClient) -> None:
    """The escaping keeps the words: a reader sees what the source said."""
    articles = client.get("/articles").text
    assert "&lt;script&gt;alert(&#34;pw&#34;)&lt;/script&gt;" in articles
    operations = client.get("/operations").text
    assert "malformed feed: &lt;script&gt;" in operations


def test_atom_feed_carries_attacks_as_text(client: TestClient) -> None:
    feed = client.get("/shifts.atom")
    root = ElementTree.fromstring(feed.content)  # well-formed despite the markup
    assert root.tag.endswith("feed")
    assert LIVE.search(feed.text.replace("&lt;", "\x00")) is None


@pytest.mark.parametrize("path", ["/api/articles", "/api/shifts", "/api/alerts", "/api/sources"])
def test_api_answers_json_not_html(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert ATTACK.replace('"', '\\"') in answer.text  # data, kept verbatim, as JSON
