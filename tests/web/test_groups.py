"""Outlet groups and article language on the dashboard and in the API."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path

import httpx

from notifier.shifts.groups import OutletGroups
from notifier.shifts.record import detect_and_record
from notifier.web import create_app
from scheduler.config import load_settings
from scheduler.database import open_database
from tests.alerts.conftest import own_text
from tests.alerts.test_groups import RU_STATE, STALLED, UA, WHEN, store, write_config
from tests.web.support import LiveServer, dashboard_settings

PROPOSED_UK = "Україна і Росія можуть почати мирні переговори"
_UK_WORDS = (
    "посол міністр фронт пауза кордон столиця заява делегація обстріл дрон село коридор "
    "полонені обмін спостерігачі саміт посередник термін гарантії санкції енергетика порт"
).split()


def own_text_uk(outlet: str) -> str:
    """A Ukrainian article in its own words, so each outlet's is its own story."""
    rng = random.Random(outlet)
    return f"{PROPOSED_UK}. {' '.join(rng.choice(_UK_WORDS) for _ in range(80))}."


def test_dashboard_shows_each_groups_status_and_each_articles_language(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path))
    engine = open_database(settings.database.url)
    rows = [
        ("news-search", o, f"{STALLED} ({o})", "stalled", own_text(o, STALLED)) for o in RU_STATE
    ]
    rows += [
        (name, outlet, f"{PROPOSED_UK} ({outlet})", "proposed", own_text_uk(outlet))
        for name, outlet in UA.items()
    ]
    store(engine, rows)
    groups = OutletGroups(
        sources={s.name: s.group for s in settings.sources if s.group},
        outlets={s.name: s.outlet_groups for s in settings.sources if s.outlet_groups},
    )
    detect_and_record(
        engine, settings.topics, settings.alerts, [], WHEN + timedelta(minutes=1), groups=groups
    )
    with LiveServer(create_app(engine, dashboard_settings())) as server:
        [status] = httpx.get(server.url + "/api/status").json()
        page = httpx.get(server.url + "/").text
        articles = httpx.get(server.url + "/articles").text
    engine.dispose()

    assert status["groups"]["ru-state"]["status"] == "stalled"
    assert status["groups"]["ua"]["status"] == "proposed"
    shown = dict(
        re.findall(
            r'data-group="([\w-]+)"><span class="group-name">[\w-]+</span> '
            r'<span class="badge s-(\w+)"',
            page,
        )
    )
    assert shown == {"intl": "none", "ru-state": "stalled", "ua": "proposed"}
    languages = re.findall(r'<span class="lang" title="language">(\w+)</span>', articles)
    assert sorted(languages) == ["en"] * 3 + ["uk"] * 3
