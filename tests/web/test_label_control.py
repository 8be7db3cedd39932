"""The correction control on the articles page, through the served dashboard: it stores a
correction with the CSRF token (and the access token when one is set), never without."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from crawler.clock import utcnow
from crawler.store.db import session_scope
from crawler.store.tables import Article, Correction
from notifier.web import create_app
from notifier.web.security import CSRF_COOKIE, CSRF_FIELD
from scheduler.database import open_database
from tests.web.support import LiveServer, Seeded, dashboard_settings, populate

TOKEN = "s3cret-token"


@pytest.fixture
def seeded_any(any_db_url: str) -> Iterator[Seeded]:
    engine = open_database(any_db_url)
    yield populate(engine, utcnow())
    engine.dispose()


def _stalled_article(seeded: Seeded) -> int:
    with session_scope(seeded.engine) as session:
        query = select(Article.id).where(Article.status == "stalled").order_by(Article.id)
        return session.exec(query).scalars().first()


def _corrections(seeded: Seeded) -> list[tuple[int, str, bool, str]]:
    with session_scope(seeded.engine) as session:
        rows = session.exec(select(Correction)).scalars().all()
        return [(c.article_id, c.status, c.relevant, c.origin) for c in rows]


def _form_token(client: httpx.Client, url: str) -> str:
    """Open the articles page as a browser does: its form carries the CSRF token."""
    page = client.get(url + "/articles")
    assert page.status_code == 200
    assert 'class="label"' in page.text and 'name="not_relevant"' in page.text
    match = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', page.text)
    assert match is not None and client.cookies[CSRF_COOKIE] == match.group(1)
    return match.group(1)


def test_the_control_stores_a_correction_the_page_and_api_show(seeded_any: Seeded) -> None:
    article = _stalled_article(seeded_any)
    with (
        LiveServer(create_app(seeded_any.engine, dashboard_settings())) as live,
        httpx.Client() as browser,
    ):
        csrf = _form_token(browser, live.url)
        done = browser.post(
            f"{live.url}/articles/{article}/label",
            data={CSRF_FIELD: csrf, "status": "collapsed", "back": "status=stalled&page=1"},
            headers={"Origin": live.url},
        )
        assert done.status_code == 303
        assert done.headers["location"] == (
            f"/articles?status=stalled&page=1&labelled={article}#article-{article}"
        )
        assert _corrections(seeded_any) == [(article, "collapsed", True, "dashboard")]
        page = browser.get(f"{live.url}/articles?labelled={article}")
        assert f"Article {article} is corrected" in page.text
        assert "corrected by a person" in page.text
        [shown] = [a for a in browser.get(live.url + "/api/articles").json() if a["id"] == article]
        assert shown["status"] == "collapsed" and shown["corrected"] is True
        assert shown["correction"]["origin"] == "dashboard"
        assert shown["correction"]["previous_status"] == "stalled"
        assert shown["evidence"][0].startswith("Corrected by a person (dashboard, ")

        browser.post(
            f"{live.url}/articles/{article}/label",
            data={CSRF_FIELD: csrf, "status": "none", "not_relevant": "1"},
        )
        assert _corrections(seeded_any) == [(article, "none", False, "dashboard")]
        assert "· not relevant" in browser.get(live.url + "/articles").text


def test_the_control_needs_the_csrf_token(seeded: Seeded) -> None:
    article = _stalled_article(seeded)
    with (
        LiveServer(create_app(seeded.engine, dashboard_settings())) as live,
        httpx.Client() as browser,
    ):
        action = f"{live.url}/articles/{article}/label"
        csrf = _form_token(browser, live.url)
        missing = browser.post(action, data={"status": "collapsed"})
        forged = browser.post(action, data={CSRF_FIELD: "x" * 43, "status": "collapsed"})
        elsewhere = browser.post(
            action,
            data={CSRF_FIELD: csrf, "status": "collapsed"},
            headers={"Origin": "https://evil.example"},
        )
        for response in (missing, forged, elsewhere):
            assert response.status_code == 303
            assert response.headers["location"] == "/articles?error=csrf"
        with httpx.Client() as stranger:  # a stranger's page has no cookie to match
            refused = stranger.post(action, data={CSRF_FIELD: csrf, "status": "collapsed"})
            assert refused.headers["location"] == "/articles?error=csrf"
        assert _corrections(seeded) == []
        page = browser.get(live.url + "/articles?error=csrf")
        assert "The form had expired" in page.text


def test_the_control_refuses_bad_input_in_one_message(seeded: Seeded) -> None:
    article = _stalled_article(seeded)
    with (
        LiveServer(create_app(seeded.engine, dashboard_settings())) as live,
        httpx.Client() as browser,
    ):
        csrf = _form_token(browser, live.url)
        bad_status = browser.post(
            f"{live.url}/articles/{article}/label", data={CSRF_FIELD: csrf, "status": "maybe"}
        )
        assert bad_status.headers["location"] == "/articles?error=status"
        gone = browser.post(
            f"{live.url}/articles/424242/label", data={CSRF_FIELD: csrf, "status": "stalled"}
        )
        assert gone.headers["location"] == "/articles?error=article"
        huge = browser.post(
            f"{live.url}/articles/{10**30}/label", data={CSRF_FIELD: csrf, "status": "stalled"}
        )
        assert huge.status_code == 422
        off_site = browser.post(
            f"{live.url}/articles/{article}/label",
            data={CSRF_FIELD: csrf, "status": "stalled", "back": "//evil.example/x"},
        )
        assert off_site.headers["location"].startswith(f"/articles?labelled={article}")
        assert "not one of the taxonomy" in browser.get(live.url + "/articles?error=status").text
        assert _corrections(seeded) == [(article, "stalled", True, "dashboard")]


def test_with_a_token_the_control_needs_it_and_the_csrf_token(seeded: Seeded) -> None:
    article = _stalled_article(seeded)
    app = create_app(seeded.engine, dashboard_settings(token=TOKEN))
    with LiveServer(app) as live:
        action = f"{live.url}/articles/{article}/label"
        with httpx.Client() as outsider:
            denied = outsider.post(action, data={CSRF_FIELD: "x" * 43, "status": "collapsed"})
            assert denied.status_code == 401
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as person:
            no_csrf = person.post(action, data={"status": "collapsed"})
            assert no_csrf.headers["location"] == "/articles?error=csrf"
            assert _corrections(seeded) == []
            csrf = _form_token(person, live.url)
            done = person.post(action, data={CSRF_FIELD: csrf, "status": "collapsed"})
            assert done.status_code == 303 and "labelled=" in done.headers["location"]
        with httpx.Client() as browser:  # the token by link, then its session cookie
            assert browser.get(live.url + "/articles", params={"token": TOKEN}).status_code == 200
            csrf = browser.cookies[CSRF_COOKIE]
            again = browser.post(action, data={CSRF_FIELD: csrf, "status": "progress"})
            assert again.status_code == 303 and "labelled=" in again.headers["location"]
    assert _corrections(seeded) == [(article, "progress", True, "dashboard")]
