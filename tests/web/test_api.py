"""The JSON API and the Atom feed, over HTTP against a live server and a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import feedparser
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

from crawler.clock import utcnow
from notifier.web import create_app
from scheduler.database import open_database
from tests.web.support import TOPIC, XSS_TITLE, LiveServer, Seeded, dashboard_settings, populate


@pytest.fixture(scope="module")
def api_server(tmp_path_factory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("api") / "peacewatch.db"
    engine = open_database(f"sqlite:///{path}")
    populate(engine, utcnow())
    with LiveServer(create_app(engine, dashboard_settings())) as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(api_server: LiveServer):
    return schemathesis.openapi.from_url(api_server.url + "/api/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_with_its_declared_schema(case) -> None:
    case.call_and_validate()


def test_openapi_document_validates_and_lists_the_api(api_server: LiveServer) -> None:
    document = httpx.get(api_server.url + "/api/openapi.json").json()
    validate(document)
    paths = set(document["paths"])
    assert {
        "/api/status",
        "/api/articles",
        "/api/stories",
        "/api/sources",
        "/api/shifts",
        "/api/alerts",
        "/shifts.atom",
    } <= paths
    assert not any(p.startswith("/operations") for p in paths)  # the form action is no API


def test_shifts_are_oldest_first_with_the_contract_shape(api_server: LiveServer) -> None:
    shifts = httpx.get(api_server.url + "/api/shifts").json()
    times = [datetime.fromisoformat(s["detected_at"]) for s in shifts]
    assert times == sorted(times) and len(times) == 3
    assert all(t.tzinfo is not None for t in times)
    first, surge, last = shifts
    assert (first["kind"], first["from"], first["to"]) == ("status_change", "ongoing", "stalled")
    assert first["support"] == {"stories": 2, "outlets": 4} and first["suppressed"] is None
    assert surge["suppressed"] == "cooldown"
    assert last["kind"] == "decisive_status" and last["topic"] == TOPIC
    assert last["articles"][0]["title"] == XSS_TITLE


def test_status_reads_the_topic_state(api_server: LiveServer) -> None:
    [status] = httpx.get(api_server.url + "/api/status").json()
    assert status["topic"] == TOPIC and status["status"] == "ceasefire"
    assert status["support"] == {"stories": 2, "outlets": 7}
    assert datetime.fromisoformat(status["since"]).tzinfo is not None


def test_articles_filter_by_status_and_date(api_server: LiveServer) -> None:
    stalled = httpx.get(api_server.url + "/api/articles", params={"status": "stalled"}).json()
    assert stalled and {a["status"] for a in stalled} == {"stalled"}
    recent = httpx.get(
        api_server.url + "/api/articles",
        params={"since": (utcnow().replace(microsecond=0)).isoformat().replace("+00:00", "Z")},
    ).json()
    assert recent == []
    assert httpx.get(api_server.url + "/api/articles", params={"limit": 0}).status_code == 422


def test_alerts_and_sources_list_the_outbox_and_health(api_server: LiveServer) -> None:
    alerts = httpx.get(api_server.url + "/api/alerts").json()
    assert sorted(a["state"] for a in alerts) == ["dead", "pending", "sent"]
    sources = {s["name"]: s for s in httpx.get(api_server.url + "/api/sources").json()}
    assert sources["broken-feed"]["healthy"] is False
    assert sources["ap-world"]["healthy"] is True


def test_atom_feed_parses_newest_first(api_server: LiveServer) -> None:
    response = httpx.get(api_server.url + "/shifts.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    shifts = httpx.get(api_server.url + "/api/shifts").json()
    assert len(feed.entries) == len(shifts)
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True)
    assert feed.entries[0].title == "Russia–Ukraine talks: stalled → ceasefire (7 outlets)"
    assert "[suppressed: cooldown]" in feed.entries[1].title
    assert XSS_TITLE in feed.entries[0].summary  # as text, for the reader to escape
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_every_response_carries_the_security_headers(live: LiveServer) -> None:
    for path in (
        "/",
        "/articles",
        "/operations",
        "/api/shifts",
        "/shifts.atom",
        "/static/style.css",
        "/nowhere",
    ):
        response = httpx.get(live.url + path)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "default-src 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_escape_article_text(live: LiveServer) -> None:
    for path in ("/", "/articles"):
        html = httpx.get(live.url + path).text
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<script>alert" not in html
    assert "<b>down</b>" not in httpx.get(live.url + "/operations").text


def test_articles_page_filters_by_outlet_and_date(live: LiveServer, seeded: Seeded) -> None:
    html = httpx.get(live.url + "/articles", params={"outlet": "dw.com"}).text
    assert html.count('class="article-row"') == 3
    today = seeded.now.date().isoformat()
    html = httpx.get(live.url + "/articles", params={"from": today, "to": today}).text
    assert 'class="article-row"' not in html and "No article matches" in html
    html = httpx.get(live.url + "/articles", params={"from": "last tuesday"}).text
    assert "was not understood" in html


def test_article_filters_at_the_ends_of_time_are_answered(api_server: LiveServer) -> None:
    url = api_server.url + "/api/articles"
    assert httpx.get(url, params={"since": "0001-01-01T00:00:00+18:00"}).json()
    assert httpx.get(url, params={"until": "9999-12-31T23:59:59-18:00"}).json()
    assert httpx.get(url, params={"since": "1.5"}).status_code == 422
    page = httpx.get(
        api_server.url + "/articles", params={"from": "0001-01-01", "to": "9999-12-31"}
    )
    assert page.status_code == 200 and 'class="article-row"' in page.text
