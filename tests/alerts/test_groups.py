"""Outlet groups and article language, as a user sees them: `status`, alerts, articles."""

from __future__ import annotations

import asyncio
import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from crawler.model import Candidate
from crawler.settings import TopicSettings
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from notifier.shifts.record import detect_and_record
from notifier.web import create_app
from scheduler.alerting import detect
from scheduler.config import load_settings
from scheduler.database import open_database
from tests.alerts.conftest import labelled, own_text
from tests.alerts.test_cli import cli

WHEN = datetime(2025, 5, 1, 12, tzinfo=UTC)
RU_STATE = ("tass.ru", "ria.ru", "interfax.ru")
UA = {"ukrinform": "ukrinform.net", "pravda": "pravda.com.ua", "suspilne": "suspilne.media"}
STALLED = "Ukraine and Russia peace talks stall again"
ONGOING = "Ukraine and Russia peace talks under way in Istanbul"


def write_config(tmp_path: Path, extra: str = "") -> Path:
    """An aggregator mapping three Russian state outlets, three Ukrainian feeds."""
    outlets = ", ".join(f'"{o}" = "ru-state"' for o in RU_STATE)
    text = f'[database]\nurl = "sqlite:///{tmp_path / "pw.db"}"\n' + extra
    text += (
        '[[sources]]\nname = "news-search"\nurl = "https://news.example/rss"\n'
        f'aggregator = true\ngroup = "intl"\noutlet_groups = {{ {outlets} }}\n'
    )
    for name in UA:
        text += (
            f'[[sources]]\nname = "{name}"\nurl = "https://{UA[name]}/rss"\n'
            'group = "ua"\nlanguage = "uk"\n'
        )
    path = tmp_path / "peacewatch.toml"
    path.write_text(text)
    return path


def store(engine: Engine, rows: list[tuple[str, str, str, str, str]]) -> None:
    """(source, outlet, title, status, text) through the real ingest path."""
    topic = TopicSettings(relevance="query")
    labels = {row[2]: row[3] for row in rows}

    ingestor = Ingestor([topic], classifiers={topic.name: labelled(labels)})
    for source, outlet, title, _status, text in rows:
        candidate = Candidate(
            url=f"https://{outlet}/news/{zlib.crc32(title.encode())}",
            title=title,
            topic=topic.name,
            text=text,
            published=WHEN,
            outlet=outlet,
            source=source,
        )
        with session_scope(engine) as session:
            ingestor.ingest(session, [candidate], now=WHEN)


def test_status_reports_each_outlet_group_beside_the_overall_status(tmp_path) -> None:
    config = write_config(tmp_path)
    settings = load_settings(config)
    engine = open_database(settings.database.url)
    rows = [
        ("news-search", o, f"{STALLED} ({o})", "stalled", own_text(o, STALLED)) for o in RU_STATE
    ]
    rows += [
        (name, outlet, f"{ONGOING} ({outlet})", "ongoing", own_text(outlet, ONGOING))
        for name, outlet in UA.items()
    ]
    store(engine, rows)
    asyncio.run(detect(engine, settings, WHEN + timedelta(minutes=1), alert=False))
    feed = TestClient(create_app(engine, settings), base_url="http://localhost").get("/shifts.atom")
    engine.dispose()
    assert feed.status_code == 200
    subtitle = feedparser.parse(feed.content).feed.subtitle
    assert "ru-state: stalled" in subtitle and "ua: ongoing" in subtitle, subtitle

    code, out, _ = cli("status", "--json", "--config", str(config))
    assert code == 0
    (topic,) = json.loads(out)
    assert topic["status"] in ("stalled", "ongoing")
    assert topic["support"]["outlets"] == 3
    groups = topic["groups"]
    assert set(groups) == {"intl", "ru-state", "ua"}
    assert groups["ru-state"]["status"] == "stalled"
    assert groups["ua"]["status"] == "ongoing"
    assert groups["intl"]["status"] == "none"  # the aggregator's unmapped outlets: none here
    assert groups["ua"]["support"] == {"stories": 3, "outlets": 3}
    assert groups["ru-state"]["last_support_at"] == WHEN.isoformat()
    assert set(groups["ua"]) == {"status", "since", "support", "last_support_at"}

    _, text, _ = cli("status", "--config", str(config))
    assert "ru-state: stalled" in text and "ua: ongoing" in text


def test_status_has_no_groups_when_no_source_carries_one(tmp_path) -> None:
    config = tmp_path / "peacewatch.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "pw.db"}"\n')
    settings = load_settings(config)
    engine = open_database(settings.database.url)
    asyncio.run(detect(engine, settings, WHEN, alert=False))
    engine.dispose()
    _, out, _ = cli("status", "--json", "--config", str(config))
    (topic,) = json.loads(out)
    assert "groups" not in topic


CEASEFIRE_RU = "Россия и Украина договорились о перемирии на 30 дней"
CEASEFIRE_RU_TEXT = (
    "Россия и Украина договорились о перемирии на 30 дней, сообщили в Кремле. "
    "Переговоры делегаций в Стамбуле завершились подписанием документа."
)


def test_alerts_and_articles_name_each_articles_language(tmp_path, receiver, smtp) -> None:
    port, mailbox = smtp
    config = write_config(
        tmp_path,
        f'[[channels]]\nname = "ops"\nkind = "webhook"\nurl = "{receiver.url}"\n'
        f'[[channels]]\nname = "desk"\nkind = "email"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {port}\nfrom = "pw@example.org"\nto = ["desk@example.org"]\n',
    )
    settings = load_settings(config)
    engine = open_database(settings.database.url)
    store(
        engine,
        [
            ("news-search", "tass.ru", CEASEFIRE_RU, "ceasefire", CEASEFIRE_RU_TEXT),
            (
                "news-search",
                "reuters.com",
                "Russia and Ukraine agree a 30-day ceasefire",
                "ceasefire",
                own_text("reuters.com", "Russia and Ukraine agree a 30-day ceasefire"),
            ),
        ],
    )
    detect_and_record(
        engine, settings.topics, settings.alerts, settings.channels, WHEN + timedelta(minutes=1)
    )
    engine.dispose()
    code, out, _ = cli("alerts", "deliver", "--json", "--config", str(config))
    assert code == 0 and json.loads(out)["sent"] == 2

    body = json.loads(receiver.requests[0].body)
    languages = {a["outlet"]: a["language"] for a in body["articles"]}
    assert languages == {"tass.ru": "ru", "reuters.com": "en"}
    assert {"title", "url", "outlet", "status"} <= set(body["articles"][0])
    (mail,) = mailbox
    plain = mail.get_body(("plain",)).get_content()
    assert "(tass.ru, ru, ceasefire)" in plain
    html = mail.get_body(("html",)).get_content()
    assert "tass.ru, ru, ceasefire" in html

    _, out, _ = cli("articles", "--json", "--config", str(config))
    assert {a["outlet"]: a["language"] for a in json.loads(out)} == languages
