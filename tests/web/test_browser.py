"""The dashboard as a person sees it, in a real headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.support import CHROMIUM_ARGS, XSS_TITLE, LiveServer, Seeded, chromium_or_skip

try:
    from playwright import sync_api
except ImportError:  # the test extra installs it; only a bare dev setup lacks it
    sync_api = None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_or_skip()
    if sync_api is None:
        if os.environ.get("CI"):
            pytest.fail("playwright is missing under CI (pip install -e .[test])")
        pytest.skip("playwright not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: m.type in ("error", "warning") and page.problems.append(f"console: {m.text}"),
    )
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    context.close()


def test_overview_chart_has_one_mark_per_status(page, live: LiveServer, seeded: Seeded, tmp_path):
    page.goto(live.url + "/")
    page.wait_for_load_state("networkidle")
    series = page.locator("svg.timeline g.series")
    shown = {series.nth(i).get_attribute("data-status") for i in range(series.count())}
    assert series.count() == len(seeded.statuses)
    assert shown == seeded.statuses
    # every shift falls inside the 30 days, and each gets a marker on the chart
    assert page.locator("svg.timeline g.shift-marker").count() == 3
    assert page.locator(".hero-status").inner_text().lower() == "ceasefire"
    assert "7 outlets" in page.locator(".hero-meta").inner_text()
    assert page.locator(".legend li").count() == len(seeded.statuses)
    assert page.locator("ol.shifts > li").count() == 3
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    assert page.problems == []


def test_articles_filtered_by_status_shows_only_that_status(page, live: LiveServer, tmp_path):
    page.goto(live.url + "/articles")
    all_rows = page.locator("tr.article-row").count()
    page.select_option("select[name=status]", "stalled")
    page.click("button[type=submit]")
    page.wait_for_url("**/articles?status=stalled*")
    rows = page.locator("tr.article-row")
    assert 0 < rows.count() < all_rows
    statuses = {rows.nth(i).get_attribute("data-status") for i in range(rows.count())}
    badges = {t.strip() for t in page.locator("tr.article-row .badge").all_inner_texts()}
    assert statuses == {"stalled"} and badges == {"stalled"}
    page.screenshot(path=str(tmp_path / "articles-stalled.png"), full_page=True)
    assert page.problems == []


def test_hostile_title_renders_as_text(page, live: LiveServer, tmp_path):
    page.goto(live.url + "/articles")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(XSS_TITLE, exact=True).count() == 1
    assert page.locator("img").count() == 0
    assert page.locator("main script").count() == 0
    assert 'alert("e")' in page.locator("body").inner_text()
    page.screenshot(path=str(tmp_path / "articles.png"), full_page=True)
    page.goto(live.url + "/")  # the same article is evidence of the latest shift
    assert page.get_by_text(XSS_TITLE, exact=True).count() == 1
    assert page.locator("img").count() == 0
    assert page.problems == []  # no dialog fired


def test_operations_requeues_a_dead_alert(page, live: LiveServer, seeded: Seeded, tmp_path):
    page.goto(live.url + "/operations")
    assert page.locator("tr.source-row").count() == 3
    assert (
        "3 failures in a row" in page.locator("tr.source-row", has_text="broken-feed").inner_text()
    )
    row = page.locator(f"#alert-{seeded.dead_alert}")
    assert row.get_attribute("data-state") == "dead"
    assert "<b>down</b>" in row.inner_text()
    page.screenshot(path=str(tmp_path / "operations.png"), full_page=True)
    row.get_by_role("button", name="Re-queue").click()
    page.wait_for_url(f"**/operations?requeued={seeded.dead_alert}")
    assert page.locator(f"#alert-{seeded.dead_alert}").get_attribute("data-state") == "pending"
    assert page.locator(".flash.ok").is_visible()
    assert page.locator("form.requeue").count() == 0
    assert page.problems == []


def test_pages_fit_a_phone(browser, live: LiveServer, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    for name in ("", "articles", "operations"):
        page.goto(f"{live.url}/{name}")
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(tmp_path / f"phone-{name or 'overview'}.png"), full_page=True)
        assert width <= 390, f"/{name} scrolls sideways on a phone ({width}px)"
    context.close()
