"""`replay --sweep`: one stream under several settings, scored, so rules are tuned on history.

`parse_sweep("alerts.min_outlets=2,3,4", base)` gives one `AlertSettings` per value
(each validated like the config file, so a bad value is one clear error). `score`
reads the decisions of one replay: shifts raised, alerts per calendar month and, given
an expected-events file (the `tests/data/replays/*.expected.json` format: `period`,
`events` with `status`, `from`, `to`, optional `kind` and `optional`), the events met
and the false alarms, counted the way `python -m tests.eval.history` counts them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from notifier.settings import SHIFT_KINDS, AlertSettings


class SweepError(ValueError):
    """A sweep or expected-events file that cannot be used; the message says why."""


def parse_sweep(spec: str, base: AlertSettings) -> tuple[str, list[tuple[str, AlertSettings]]]:
    """The swept key and, per value, the settings to replay with."""
    key, sep, raw = spec.partition("=")
    name = key.strip().removeprefix("alerts.")
    if not sep or not name or not raw.strip():
        raise SweepError(f"--sweep wants KEY=V1,V2,... (got {spec!r})")
    if name not in AlertSettings.model_fields:
        raise SweepError(f"--sweep: unknown key alerts.{name}")
    values = [v.strip() for v in raw.split(",") if v.strip()]
    settings = []
    current = base.model_dump(mode="json", by_alias=True)
    for value in values:
        try:
            settings.append((value, AlertSettings.model_validate({**current, name: value})))
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise SweepError(f"--sweep: alerts.{name} = {value!r}: {reason}") from None
    return f"alerts.{name}", settings


@dataclass(frozen=True)
class Event:
    """A status expected to be alerted within a window (by one of the kinds named, if any:
    a truce declared may come as a decisive status or as the leading status's change)."""

    statuses: tuple[str, ...]
    start: datetime
    end: datetime
    kinds: tuple[str, ...] = ()
    optional: bool = False
    """A real turning point an alert may report, but need not: no miss, no false alarm."""

    @property
    def status(self) -> str:
        return "/".join(self.statuses)

    def covers(self, shift: dict[str, Any]) -> bool:
        when = datetime.fromisoformat(shift["detected_at"])
        if self.kinds and shift["kind"] not in self.kinds:
            return False
        return shift["to"] in self.statuses and self.start <= when <= self.end


@dataclass(frozen=True)
class Expected:
    period: tuple[datetime, datetime]
    events: list[Event] = field(default_factory=list)


def day(value: str, end: bool = False) -> datetime:
    """An ISO date or time, UTC unless it says; a bare date as `end` is its last second."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end and len(value) == 10:
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment


def kinds(value: str | list[str] | None) -> tuple[str, ...]:
    """An expected event's `kind`: one shift kind, a list of them, or none (any kind)."""
    found = (value,) if isinstance(value, str) else tuple(value or ())
    unknown = [k for k in found if k not in SHIFT_KINDS]
    if unknown:
        raise ValueError(f"unknown shift kind {unknown[0]!r}; one of {', '.join(SHIFT_KINDS)}")
    return found


def load_expected(path: Path) -> Expected:
    """An expected-events file; a broken one is a `SweepError` naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        start, end = data["period"]
        events = [
            Event(
                tuple(e["status"]) if isinstance(e["status"], list) else (e["status"],),
                day(e["from"]),
                day(e["to"], end=True),
                kinds(e.get("kind")),
                bool(e.get("optional", False)),
            )
            for e in data.get("events", [])
        ]
        return Expected((day(start), day(end, end=True)), events)
    except OSError as exc:
        raise SweepError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise SweepError(f"{path}: not an expected-events file ({exc})") from None


def score(
    shifts: list[dict[str, Any]], expected: Expected | None, span: tuple[datetime, datetime]
) -> dict[str, Any]:
    """Shifts raised, alerts per month and, with `expected`, events met and false alarms."""
    raised = [s for s in shifts if not s.get("suppressed")]
    start, end = expected.period if expected else span
    months = max((end - start).days / 30.44, 1.0)
    by_month = Counter(s["detected_at"][:7] for s in raised)
    result: dict[str, Any] = {
        "shifts": len(raised),
        "suppressed": len(shifts) - len(raised),
        "alerts_per_month": round(len(raised) / months, 2),
        "by_month": dict(sorted(by_month.items())),
    }
    if expected is not None:
        required = [e for e in expected.events if not e.optional]
        result["events_met"] = sum(any(e.covers(s) for s in raised) for e in required)
        result["events"] = len(required)
        result["false_alarms"] = sum(not any(e.covers(s) for e in expected.events) for s in raised)
    return result
