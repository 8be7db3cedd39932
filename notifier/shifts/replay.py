"""Replay: a JSONL stream of articles through ingest and detection, in time order.

Each line is `{url, outlet, title, text, published}` (`published` ISO 8601 with a
zone). Articles go through the one ingest path (`crawler.store.ingest.Ingestor`: relevance,
dedup, stories, classification); detection runs at each distinct published time,
after every article published at that instant is in, with `now` set to that time, so
a replay of last month behaves as last month did. An optional `status` on a line (one
of the taxonomy's statuses) replaces the classifier's verdict for that article: a
labelled backtest, or a timeline whose labels are the ground truth. The caller gives
the (scratch) database; nothing is alerted. A broken line stops the replay, or, given
`on_error`, is reported there and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy.engine import Engine

from crawler.extract.text import one_line
from crawler.model import STATUSES, Candidate, Classification
from crawler.settings import DedupSettings, TopicSettings
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from notifier.settings import AlertSettings
from notifier.shifts.record import detect_and_record
from notifier.tables import Shift

LABEL_CONFIDENCE = 0.9


class ReplayError(ValueError):
    """A line that cannot be replayed; the message names the line."""


@dataclass(frozen=True)
class ReplayLine:
    number: int
    candidate: Candidate
    status: str | None


def parse_lines(
    lines: Iterable[str], topic: str, on_error: Callable[[ReplayError], None] | None = None
) -> list[ReplayLine]:
    """Every article of the stream, oldest first (file order among equal times).

    A broken line raises `ReplayError`; with `on_error`, it is handed to `on_error`
    instead and skipped, so one run reports every broken line.
    """
    parsed = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            parsed.append(_parse(number, raw, topic))
        except ReplayError as exc:
            if on_error is None:
                raise
            on_error(exc)
    return sorted(parsed, key=lambda r: (r.candidate.published, r.number))


def _parse(number: int, raw: str, topic: str) -> ReplayLine:
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:  # decoded with surrogateescape: bytes that are not UTF-8
        raise ReplayError(f"line {number}: not UTF-8") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ReplayError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ReplayError(f"line {number}: expected an object")
    return _line(number, data, topic)


def _line(number: int, data: dict[str, Any], topic: str) -> ReplayLine:
    for key in ("url", "title", "published"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ReplayError(f"line {number}: missing {key!r}")
    try:
        published = datetime.fromisoformat(data["published"].replace("Z", "+00:00"))
    except ValueError:
        raise ReplayError(f"line {number}: published is not ISO 8601") from None
    if published.tzinfo is None:
        raise ReplayError(f"line {number}: published needs a time zone")
    try:
        published.astimezone(UTC)
    except OverflowError:
        raise ReplayError(f"line {number}: published is out of range") from None
    outlet = data.get("outlet")
    if outlet is not None and not isinstance(outlet, str):
        raise ReplayError(f"line {number}: outlet is not a string")
    status = data.get("status")
    if status is not None and status not in STATUSES:
        raise ReplayError(f"line {number}: unknown status {status!r}")
    candidate = Candidate(
        url=data["url"],
        title=data["title"],
        topic=topic,
        text=str(data.get("text") or ""),
        published=published,
        outlet=outlet or None,
        source="replay",
        text_source="replay",
    )
    return ReplayLine(number, candidate, status)


def replay(
    engine: Engine,
    lines: Iterable[str],
    topic: TopicSettings,
    alerts: AlertSettings,
    dedup: DedupSettings | None = None,
    on_error: Callable[[ReplayError], None] | None = None,
) -> list[Shift]:
    """Ingest and detect line by line; every decision recorded, oldest first.

    The first broken line raises `ReplayError`, unless `on_error` takes each (the
    line is then skipped)."""
    stream = parse_lines(lines, topic.name, on_error)
    ingestor = Ingestor([topic], dedup)
    classify = ingestor.classifier(topic.name)
    labels: dict[tuple[str, str], str] = {}

    def verdict(title: str, text: str, language: str | None = None) -> Classification:
        label = labels.get((title, text))
        if label:
            return Classification(label, LABEL_CONFIDENCE, [])
        return classify(title, text, language)

    ingestor.classifiers[topic.name] = verdict
    shifts: list[Shift] = []
    for published, group in groupby(stream, key=lambda r: r.candidate.published):
        batch = [line.candidate for line in group if _label(labels, line)]
        with session_scope(engine) as session:
            report = ingestor.ingest(session, batch, now=published)
        if report.new_articles or report.duplicates:
            shifts += detect_and_record(engine, [topic], alerts, [], now=published)
    return shifts


def _label(labels: dict[tuple[str, str], str], line: ReplayLine) -> bool:
    """Remember a line's `status` by what the classifier will be handed for it."""
    if line.status is not None:
        candidate = line.candidate
        labels[(one_line(candidate.title), candidate.body)] = line.status
    return True
