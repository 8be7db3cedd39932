"""The timeline chart, drawn on the server as SVG so it needs no script and no network.

A stacked column per day (stories reporting each status), one colour per status, and a
marker at each shift. Colours are set as SVG presentation attributes, which a strict
Content-Security-Policy allows, unlike inline styles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup, escape

from crawler.model import STATUSES

# One colour per status, from quiet (none) to decisive; also used for badges.
STATUS_COLOURS: dict[str, str] = {
    "none": "#9aa5b4",
    "proposed": "#a78bfa",
    "scheduled": "#60a5fa",
    "ongoing": "#22b8cf",
    "progress": "#84cc16",
    "stalled": "#f59e0b",
    "collapsed": "#e03131",
    "ceasefire": "#12b886",
    "agreement": "#2f6f4f",
}
FALLBACK_COLOUR = "#868e96"

WIDTH = 760
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 36, 8, 18, 26


def colour(status: str) -> str:
    return STATUS_COLOURS.get(status, FALLBACK_COLOUR)


def ordered_statuses(present: set[str]) -> list[str]:
    """Known statuses in taxonomy order, then any others the classifier may add."""
    known = [s for s in STATUSES if s in present]
    return known + sorted(present - set(STATUSES))


@dataclass(frozen=True)
class ShiftMark:
    at: datetime
    label: str
    status: str
    suppressed: bool = False


def _nice_max(value: int) -> int:
    """The axis top: four equal ticks of 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 0
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * 4 >= value:
                return step * magnitude * 4
        magnitude *= 10


def render_timeline(
    days: Sequence[tuple[date, Mapping[str, int]]],
    shifts: Sequence[ShiftMark] = (),
    *,
    title: str = "Stories per day by reported status",
) -> Markup:
    """An accessible SVG: one `<g class="series">` per status present, one rect per day."""
    n = max(len(days), 1)
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    slot = plot_w / n
    bar = max(slot * 0.78, 1.0)
    totals = [sum(counts.values()) for _, counts in days]
    top = _nice_max(max(totals, default=0))
    scale = plot_h / top if top else 0.0
    present = {s for _, counts in days for s, c in counts.items() if c > 0}
    statuses = ordered_statuses(present)
    base = _TOP + plot_h

    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="tl-title" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="tl-title">{escape(title)}</title>',
    ]
    # gridlines and y labels
    for i in range(5):
        value = top * i / 4
        y = base - value * scale if top else base - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#e5e7eb" stroke-width="1"/>'
        )
        if top:
            parts.append(
                f'<text class="axis" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                f'font-size="11" fill="#6b7280">{value:g}</text>'
            )
    # stacked columns, grouped by status so each status is one mark
    offsets = [0.0] * len(days)
    for status in statuses:
        parts.append(f'<g class="series" data-status="{escape(status)}" fill="{colour(status)}">')
        for i, (day, counts) in enumerate(days):
            count = counts.get(status, 0)
            if count <= 0:
                continue
            h = count * scale
            y = base - offsets[i] - h
            x = _LEFT + i * slot + (slot - bar) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f"<title>{day.isoformat()}: {count} {escape(status)}</title></rect>"
            )
            offsets[i] += h
        parts.append("</g>")
    # x labels: weekly back from today, so the latest day is always labelled
    for i, (day, _) in enumerate(days):
        if (len(days) - 1 - i) % 7 == 0:
            x = _LEFT + i * slot + slot / 2
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                f'font-size="11" fill="#6b7280">{day.strftime("%d %b")}</text>'
            )
    parts.append(
        f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{base}" y2="{base}" '
        f'stroke="#9ca3af" stroke-width="1"/>'
    )
    # shift markers
    if days:
        first = days[0][0]
        for mark in shifts:
            index = (mark.at.date() - first).days
            if not 0 <= index < len(days):
                continue
            frac = (mark.at.hour * 3600 + mark.at.minute * 60) / 86400
            x = _LEFT + (index + frac) * slot
            dash = ' stroke-dasharray="3 3"' if mark.suppressed else ""
            head = f"M{x - 5:.1f},{_TOP - 12} L{x + 5:.1f},{_TOP - 12} L{x:.1f},{_TOP - 4} Z"
            parts.append(
                f'<g class="shift-marker" data-status="{escape(mark.status)}">'
                f"<title>{escape(mark.label)}</title>"
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP - 4}" y2="{base}" '
                f'stroke="#111827" stroke-width="1.5"{dash}/>'
                f'<path d="{head}" '
                f'fill="{colour(mark.status)}" stroke="#111827" stroke-width="1"/></g>'
            )
    if not present:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{_TOP + plot_h / 2}" text-anchor="middle" '
            f'font-size="14" fill="#6b7280">No articles in the last {len(days)} days</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
