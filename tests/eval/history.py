"""Real history replayed: which turning points peacewatch alerts on, and what else.

    python -m tests.eval.history                  # every replay in tests/data/replays
    python -m tests.eval.history --replay 2022-spring --shifts

Each replay is a stream of real coverage (`<name>.jsonl`, the `peacewatch replay`
format) and what a reader with hindsight expects of it (`<name>.expected.json`):
events (the kind of shift and the status that should be alerted, within a generous
window), must-nots (a status that must not be alerted then: an agreement nobody
reached, a single outlet's rumour, a run of war news taken for talks news) and an alert
budget per month. The stream goes through the real pipeline
(ingest, dedup, the topic's readings, shift detection) in a scratch SQLite database,
with time as each article's `published`. The scorer prints the events met, the false
alarms, the must-nots broken and the alerts per month.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.model import STATUSES
from crawler.settings import TopicSettings
from crawler.status import corpus
from crawler.store.db import session_scope
from notifier.reports import shifts_with_articles
from notifier.settings import AlertSettings
from notifier.shifts.replay import replay
from notifier.shifts.sweep import Event, day, kinds
from scheduler.database import open_database

REPLAYS = Path(__file__).resolve().parent.parent / "data" / "replays"


@dataclass(frozen=True)
class Window(Event):
    """An expected event or a must-not, with the note saying what happened then."""

    note: str = ""
    single_source: bool = False
    """A must-not for any shift backed by one outlet (a rumour), whatever its status."""
    war_news: bool = False
    """A must-not for any shift most of whose evidence is war news: articles the labelled
    corpus, read one at a time, gives no status of the talks."""

    @property
    def status(self) -> str:
        return "any status" if set(self.statuses) == set(STATUSES) else super().status

    def covers(self, shift: dict[str, Any]) -> bool:
        if not super().covers(shift):
            return False
        if self.single_source and (shift.get("support") or {}).get("outlets", 0) > 1:
            return False
        return not self.war_news or _war_news(shift)


def _war_news(shift: dict[str, Any]) -> bool:
    """Whether most of the shift's evidence the corpus has read is war news, not talks."""
    read = [r for r in shift.get("corpus", []) if r is not None]
    return bool(read) and 2 * sum(r == "none" for r in read) > len(read)


def _statuses(row: dict[str, Any]) -> tuple[str, ...]:
    if row.get("single_source") or row.get("war_news"):
        return STATUSES  # any status: what breaks it is the shift's support
    status = row["status"]
    return tuple(status) if isinstance(status, list) else (status,)


def _windows(rows: list[dict[str, Any]]) -> list[Window]:
    return [
        Window(
            _statuses(r),
            day(r["from"]),
            day(r["to"], end=True),
            kinds=kinds(r.get("kind")),
            optional=bool(r.get("optional", False)),
            note=r.get("why", ""),
            single_source=bool(r.get("single_source", False)),
            war_news=bool(r.get("war_news", False)),
        )
        for r in rows
    ]


@dataclass
class Score:
    name: str
    shifts: list[dict[str, Any]]
    events: list[Window]
    must_not: list[Window]
    months: float
    budget: float
    met: list[Window] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    broken: list[tuple[Window, dict[str, Any]]] = field(default_factory=list)

    @property
    def raised(self) -> list[dict[str, Any]]:
        return [s for s in self.shifts if not s.get("suppressed")]

    @property
    def per_month(self) -> float:
        return len(self.raised) / self.months if self.months else 0.0

    def score(self) -> Score:
        raised = self.raised
        self.met = [e for e in self.events if not e.optional and any(e.covers(s) for s in raised)]
        self.false_alarms = [s for s in raised if not any(e.covers(s) for e in self.events)]
        self.broken = [(m, s) for m in self.must_not for s in raised if m.covers(s)]
        return self

    def render(self, show_shifts: bool = False) -> str:
        required = [e for e in self.events if not e.optional]
        lines = [
            f"== {self.name} ==",
            f"events met {len(self.met)}/{len(required)}   false alarms "
            f"{len(self.false_alarms)}   must-nots broken {len(self.broken)}   alerts per "
            f"month {self.per_month:.1f} (budget {self.budget:g})",
        ]
        for event in self.events:
            mark = "met " if event in self.met else "(ok)" if event.optional else "MISS"
            lines.append(
                f"  {mark} {event.status:<10} {event.start:%Y-%m-%d}..{event.end:%Y-%m-%d}"
                f"  {event.note}"
            )
        for window, shift in self.broken:
            lines.append(f"  BROKEN must-not {window.status}: {_brief(shift)}  ({window.note})")
        for shift in self.false_alarms:
            lines.append(f"  false alarm: {_brief(shift)}")
        if show_shifts:
            lines.append("  every decision:")
            lines.extend(f"    {_brief(s)}" for s in self.shifts)
        return "\n".join(lines)

    @property
    def ok(self) -> bool:
        return (
            len(self.met) == sum(not e.optional for e in self.events)
            and not self.broken
            and self.per_month <= self.budget
        )


def _brief(shift: dict[str, Any]) -> str:
    support = shift.get("support") or {}
    suppressed = f" [suppressed: {shift['suppressed']}]" if shift.get("suppressed") else ""
    return (
        f"{shift['detected_at'][:16]} {shift['kind']} {shift.get('from')} -> {shift['to']} "
        f"({support.get('stories', '?')} stories, {support.get('outlets', '?')} outlets)"
        f"{suppressed}"
    )


def run_replay(
    name: str, alerts: AlertSettings | None = None, topic: TopicSettings | None = None
) -> Score:
    """Replay one stream in a scratch database and score it against its expectations."""
    expected = json.loads((REPLAYS / f"{name}.expected.json").read_text(encoding="utf-8"))
    lines = (REPLAYS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as scratch:
        engine = open_database(f"sqlite:///{scratch}/replay.db")
        try:
            shifts = replay(engine, lines, topic or TopicSettings(), alerts or AlertSettings())
            with session_scope(engine) as session:
                decided = shifts_with_articles(session, shifts)
        finally:
            engine.dispose()
    readings = _corpus_readings()
    for shift in decided:  # how the corpus reads each article of the evidence, if it has it
        titles = (a.get("title", "") for a in shift["articles"])
        shift["corpus"] = [readings.get(corpus.title_key(t)) for t in titles]
    start, end = day(expected["period"][0]), day(expected["period"][1], end=True)
    months = max((end - start).days / 30.44, 1.0)
    return Score(
        name,
        decided,
        _windows(expected["events"]),
        _windows(expected.get("must_not", [])),
        months,
        float(expected["alerts_per_month"]),
    ).score()


def _corpus_readings() -> dict[str, str]:
    """The corpus's status of each title it holds: the streams are real coverage it read."""
    return {corpus.title_key(i.title): i.status for i in corpus.items()}


def names() -> list[str]:
    return sorted(p.name.removesuffix(".expected.json") for p in REPLAYS.glob("*.expected.json"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.eval.history", description=__doc__)
    parser.add_argument("--replay", choices=names(), action="append")
    parser.add_argument("--shifts", action="store_true", help="list every decision too")
    parser.add_argument(
        "--reader",
        choices=("model", "rules"),
        default="model",
        help="the default topic's reading (model) or the rules behind the term query",
    )
    parser.add_argument("--model", help="a model file to read with (default: the shipped one)")
    args = parser.parse_args(argv)
    if args.reader == "rules":
        topic = TopicSettings.model_validate(
            {"relevance": "query", "classifier": {"backend": "rules"}}
        )
    else:
        topic = TopicSettings.model_validate({"classifier": {"model_path": args.model}})
    for name in args.replay or names():
        print(run_replay(name, topic=topic).render(args.shifts))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
