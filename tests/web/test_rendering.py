"""The chart and the cue highlighting, as pure functions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from notifier.web.chart import ShiftMark, colour, render_timeline
from notifier.web.highlight import cue_reader, highlight


def _days(n: int = 30) -> list[tuple[date, dict[str, int]]]:
    start = date(2025, 5, 1)
    return [(start + timedelta(days=i), {}) for i in range(n)]


def test_chart_draws_one_series_per_status_present() -> None:
    days = _days()
    days[3] = (days[3][0], {"stalled": 2, "none": 1})
    days[20] = (days[20][0], {"ceasefire": 4, "stalled": 0})
    svg = render_timeline(
        days, [ShiftMark(datetime(2025, 5, 21, 6, tzinfo=UTC), "x<y", "ceasefire")]
    )
    assert svg.count('<g class="series"') == 3
    assert 'data-status="ceasefire"' in svg and f'fill="{colour("ceasefire")}"' in svg
    assert svg.count("<rect") == 3
    assert svg.count('class="shift-marker"') == 1 and "x&lt;y" in svg


def test_chart_ignores_shifts_outside_the_window_and_says_when_empty() -> None:
    svg = render_timeline(_days(), [ShiftMark(datetime(2024, 1, 1, tzinfo=UTC), "old", "stalled")])
    assert "shift-marker" not in svg and "No articles in the last 30 days" in svg


def test_highlight_marks_cues_and_escapes_the_rest() -> None:
    out = highlight(
        "No <b>breakthrough</b> in the stalled talks; stalemate.",
        ["stall*", "stalemate", "no breakthrough"],
    )
    assert str(out) == (
        "No &lt;b&gt;breakthrough&lt;/b&gt; in the <mark>stalled</mark> talks; "
        "<mark>stalemate</mark>."
    )
    assert (
        str(highlight("no breakthrough yet", ["no breakthrough"]))
        == "<mark>no breakthrough</mark> yet"
    )
    assert str(highlight("a <i>b</i>", [])) == "a &lt;i&gt;b&lt;/i&gt;"
    assert "<mark>" not in str(highlight("installed", ["stall*"]))


def test_highlight_marks_what_the_classifier_reads_as_cues() -> None:
    reader = cue_reader()
    assert reader is not None
    marked = str(highlight("Talks end in a <b>diplomatic stalemate</b>.", reader))
    assert re.search(r"<mark>[^<]*stalemate</mark>", marked) and "&lt;b&gt;" in marked
