"""Coverage shifts: a pure decision over the articles of a window, no I/O.

`detect_shifts(observations, state, settings, now)` reads the stored articles as
`Observation`s, the detector's previous `DetectorState` and the thresholds, and returns
the decisions (raised, or suppressed with the reason) and the next state. The same
inputs always give the same output, which is what makes `replay` a backtest.

How the reported status is read:

- A story's status is the majority vote of its outlets: each distinct outlet votes
  once, with the status of its most confident article; ties go to the larger summed
  confidence, then to the more decisive status (later in `STATUSES`). Syndicated
  copies thus agree by weight, and one odd copy does not relabel a wire story.
- The distribution over a window counts each story once, weighted by its distinct
  outlets in that window. `none` (no talks status reported) never leads.

Three kinds of shift:

- `status_change`: the leading status L differs from the settled status S, L's
  stories reach `min_outlets` distinct outlets, and L's share of the weight exceeds
  S's by `hysteresis` (so a near-tie cannot flap). The settled status then becomes L.
- `decisive_status`: `ceasefire`, `agreement` or `collapsed` is the status of stories
  in at least `decisive_min_outlets` distinct outlets within `decisive_window`, and
  was not already active (edge-triggered) nor the settled status.
- `surge`: talks stories (a status other than `none`) first seen in the last
  `surge_window` number at least
  `surge_min_stories` and `surge_factor` times the mean of the same span over the
  past `surge_baseline` (at least one story); needs one span of history first, and
  the stories behind it must reach `min_outlets` distinct outlets (one outlet's burst
  is a single source, not a shift in coverage).

Support counts independent stories (syndicated copies are one story), with distinct
outlets as the secondary weight (`notifier.shifts.support`: one configured source is
one outlet unless it is an aggregator). A change needs `min_stories` and
`min_outlets`, a decisive status `decisive_min_stories` and `decisive_min_outlets`;
a refusal says why: "single source" (one outlet), "copies folded" (enough outlets,
too few independent stories) or "too little support".

The reported status comes from the window only. When no story in the window reports
the settled status and nothing replaces it, it decays to `quiet` (recorded, never
alerted: "decayed to quiet"); a status that re-emerges from quiet is a new change and
may alert. A fresh state (`none`) reports its first well-supported status once, as
the "initial state" (`initial_alert = false` records it without alerting).

One event, one alert: candidates for the same new status merge into one decision of
the most decisive kind, the others listed as `reasons`. Cooldowns: `status_change`
and `surge` per topic and kind; `decisive_status` per topic, kind and status (a
collapse hours after a ceasefire is news, not a repeat); and any shift to a status
already alerted within the cooldown is suppressed. A cooldown-suppressed change still
moves the settled status; a change refused for support or hysteresis does not.
Refusals are recorded once per condition (`noted`), not on every run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from crawler.clock import iso
from crawler.config_types import format_duration
from crawler.model import DECISIVE, STATUSES
from notifier.settings import SHIFT_KINDS, AlertSettings
from notifier.shifts.support import (
    NONE,
    Observation,
    StoryView,
    distribution,
    outlet_groups,
    story_views,
)

__all__ = ["NONE", "QUIET", "Observation", "StoryView", "detect_shifts", "story_views"]

QUIET = "quiet"
_RANK = {status: index for index, status in enumerate(STATUSES)}
_KIND_RANK = {kind: index for index, kind in enumerate(SHIFT_KINDS)}
TOO_LITTLE_SUPPORT = "too little support"
SINGLE_SOURCE = "single source"
COPIES_FOLDED = "copies folded"
DECAYED = "decayed to quiet"
INITIAL_STATE = "initial state"
HYSTERESIS = "hysteresis"


@dataclass
class DetectorState:
    """What the detector remembers between runs; stored as JSON in `TopicState.state`."""

    status: str = NONE
    since: datetime | None = None
    last_support_at: datetime | None = None
    first_seen: datetime | None = None
    last_kind: dict[str, datetime] = field(default_factory=dict)
    last_to: dict[str, datetime] = field(default_factory=dict)
    active: list[str] = field(default_factory=list)
    noted: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "since": iso(self.since),
            "last_support_at": iso(self.last_support_at),
            "first_seen": iso(self.first_seen),
            "last_kind": {k: v.isoformat() for k, v in sorted(self.last_kind.items())},
            "last_to": {k: v.isoformat() for k, v in sorted(self.last_to.items())},
            "active": sorted(self.active),
            "noted": sorted(self.noted),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DetectorState:
        data = data or {}
        return cls(
            status=data.get("status", NONE),
            since=_parse(data.get("since")),
            last_support_at=_parse(data.get("last_support_at")),
            first_seen=_parse(data.get("first_seen")),
            last_kind={k: _parse(v) for k, v in data.get("last_kind", {}).items()},  # type: ignore[misc]
            last_to={k: _parse(v) for k, v in data.get("last_to", {}).items()},  # type: ignore[misc]
            active=list(data.get("active", [])),
            noted=list(data.get("noted", [])),
        )


@dataclass(frozen=True)
class Decision:
    """A shift raised (`suppressed` is None) or recorded as suppressed with the reason."""

    kind: str
    from_status: str
    to_status: str
    stories: int
    outlets: int
    article_ids: tuple[int, ...] = ()
    reasons: tuple[str, ...] = ()
    suppressed: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Detection:
    decisions: list[Decision]
    state: DetectorState
    distribution: dict[str, int]
    leader: str
    support: tuple[int, int]


def lookback(settings: AlertSettings) -> timedelta:
    """How far back the caller must load articles for one run."""
    return max(
        settings.window, settings.decisive_window, settings.surge_window + settings.surge_baseline
    )


def leading(weights: dict[str, int], settled: str) -> str:
    """The status with most weight; a tie keeps the settled status, else the more decisive."""
    if not weights:
        return NONE
    top = max(weights.values())
    tied = [s for s, w in weights.items() if w == top]
    if settled in tied:
        return settled
    return max(tied, key=lambda s: _RANK.get(s, -1))


@dataclass(frozen=True)
class _Candidate:
    kind: str
    to_status: str
    stories: list[StoryView]
    details: dict[str, Any]


def detect_shifts(
    observations: Sequence[Observation],
    state: DetectorState,
    settings: AlertSettings,
    now: datetime,
) -> Detection:
    """One run of detection at `now` over articles published up to `now`."""
    state = replace(
        state,
        last_kind=dict(state.last_kind),
        last_to=dict(state.last_to),
        active=list(state.active),
    )
    seen = [o for o in observations if o.published <= now]
    if seen:
        earliest = min(o.published for o in seen)
        if state.first_seen is None or earliest < state.first_seen:
            state.first_seen = earliest
    window = story_views(o for o in seen if o.published > now - settings.window)
    weights = distribution(window)
    leader = leading(weights, state.status)
    settled = state.status
    candidates: list[_Candidate] = []
    notes: dict[str, Decision] = {}
    active: list[str] = []

    change = _status_change(window, weights, leader, settled, settings)
    if isinstance(change, _Candidate):
        candidates.append(change)
    elif change is not None:
        notes[f"status_change:{leader}:{change.suppressed}"] = change
    decayed = None
    stale = settled not in (NONE, QUIET) and weights.get(settled, 0) == 0
    if stale and not isinstance(change, _Candidate):
        # The window holds no story for the settled status: it is no longer reported.
        decayed = _decision(
            "status_change",
            settled,
            QUIET,
            [],
            settings,
            suppressed=DECAYED,
            details={"window": _span(settings.window)},
        )

    recent = story_views(o for o in seen if o.published > now - settings.decisive_window)
    for status in sorted(DECISIVE, key=lambda s: _RANK[s]):
        backing = [s for s in recent if s.status == status]
        if not backing:
            continue
        short = _shortfall(backing, settings.decisive_min_outlets, settings.decisive_min_stories)
        if short is None:
            active.append(status)
            if status not in state.active and status != settled:
                candidates.append(
                    _Candidate(
                        "decisive_status",
                        status,
                        backing,
                        {"window": _span(settings.decisive_window)},
                    )
                )
        elif status != settled:
            notes[f"decisive_status:{status}:{short}"] = _decision(
                "decisive_status", settled, status, backing, settings, suppressed=short
            )

    surge = _surge(seen, state, settings, now)
    if surge is not None:
        short = _shortfall(surge.stories, settings.min_outlets, 1)
        if short is not None:
            notes[f"surge:{surge.to_status}:{short}"] = _decision(
                "surge", settled, surge.to_status, surge.stories, settings, suppressed=short
            )
        else:
            active.append("surge")
            if "surge" not in state.active:
                candidates.append(surge)

    decisions = [notes[key] for key in sorted(set(notes) - set(state.noted))]
    if decayed is not None:
        decisions.append(decayed)
        state.status, state.since = QUIET, now
    state.noted = sorted(notes)
    state.active = sorted(active)
    for decision in _merge(candidates, settled, settings):
        if settled == NONE and "status_change" in (decision.kind, *decision.reasons):
            decision = _initial(decision, settings)
        else:
            decision = _cooldown(decision, state, settings, now)
        decisions.append(decision)
        if decision.suppressed is None or decision.suppressed == INITIAL_STATE:
            for kind in (decision.kind, *decision.reasons):
                if kind in SHIFT_KINDS:
                    state.last_kind[_cooldown_key(kind, decision.to_status)] = now
            state.last_to[decision.to_status] = now
    if isinstance(change, _Candidate):
        state.status, state.since = change.to_status, now
    leader_stories = [s for s in window if s.status == state.status]
    if leader_stories:
        state.last_support_at = max(s.last_seen or s.first_seen for s in leader_stories)
    support = (len(leader_stories), len(_outlets(leader_stories)))
    return Detection(decisions, state, weights, leader, support)


def _initial(decision: Decision, settings: AlertSettings) -> Decision:
    """The first well-supported status of a fresh database: reported once, as such."""
    details = {**decision.details, "initial_state": True}
    reasons = (*decision.reasons, INITIAL_STATE)
    suppressed = None if settings.initial_alert else INITIAL_STATE
    return replace(decision, reasons=reasons, details=details, suppressed=suppressed)


def _status_change(
    window: list[StoryView],
    weights: dict[str, int],
    leader: str,
    settled: str,
    settings: AlertSettings,
) -> _Candidate | Decision | None:
    if leader in (NONE, settled):
        return None
    backing = [s for s in window if s.status == leader]
    short = _shortfall(backing, settings.min_outlets, settings.min_stories)
    if short is not None:
        return _decision("status_change", settled, leader, backing, settings, suppressed=short)
    total = sum(weights.values())
    margin = (weights.get(leader, 0) - weights.get(settled, 0)) / total
    if margin <= 0 or margin < settings.hysteresis:
        return _decision(
            "status_change",
            settled,
            leader,
            backing,
            settings,
            suppressed=HYSTERESIS,
            details={"margin": round(margin, 3)},
        )
    return _Candidate("status_change", leader, backing, {"distribution": weights})


def _surge(
    seen: list[Observation], state: DetectorState, settings: AlertSettings, now: datetime
) -> _Candidate | None:
    if state.first_seen is None:
        return None
    start = now - settings.surge_window
    history = min(settings.surge_baseline, start - state.first_seen)
    if history < settings.surge_window:
        return None
    # Coverage of the talks, not of the war: stories that report no talks status
    # (battlefield news the relevance gate keeps) do not make a surge.
    stories = [s for s in story_views(seen) if s.status != NONE]
    current = [s for s in stories if s.first_seen > start]
    before = [s for s in stories if start - history < s.first_seen <= start]
    mean = len(before) * (settings.surge_window / history)
    if len(current) < settings.surge_min_stories or len(current) < settings.surge_factor * max(
        mean, 1.0
    ):
        return None
    weights = distribution(current)
    to_status = leading(weights, state.status) if weights else NONE
    backing = [s for s in current if s.status == to_status] or current
    details = {
        "stories": len(current),
        "baseline": round(mean, 2),
        "window": _span(settings.surge_window),
    }
    return _Candidate("surge", to_status, backing, details)


def _merge(candidates: list[_Candidate], settled: str, settings: AlertSettings) -> list[Decision]:
    by_status: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_status[candidate.to_status].append(candidate)
    merged = []
    for status in sorted(by_status, key=lambda s: _RANK.get(s, -1)):
        group = sorted(by_status[status], key=lambda c: -_KIND_RANK[c.kind])
        main = group[0]
        details = dict(main.details)
        for other in group[1:]:
            details[other.kind] = other.details
        merged.append(
            _decision(
                main.kind,
                settled,
                status,
                main.stories,
                settings,
                reasons=tuple(c.kind for c in group[1:]),
                details=details,
            )
        )
    return merged


def _cooldown(
    decision: Decision, state: DetectorState, settings: AlertSettings, now: datetime
) -> Decision:
    last = state.last_kind.get(_cooldown_key(decision.kind, decision.to_status))
    if last is not None and now - last < settings.cooldown:
        return replace(
            decision, suppressed=f"cooldown: {decision.kind} raised at {last.isoformat()}"
        )
    last = state.last_to.get(decision.to_status)
    if last is not None and now - last < settings.cooldown:
        return replace(
            decision, suppressed=f"cooldown: {decision.to_status} alerted at {last.isoformat()}"
        )
    return decision


def _cooldown_key(kind: str, to_status: str) -> str:
    return f"{kind}:{to_status}" if kind == "decisive_status" else kind


def _decision(
    kind: str,
    from_status: str,
    to_status: str,
    stories: list[StoryView],
    settings: AlertSettings,
    *,
    suppressed: str | None = None,
    reasons: tuple[str, ...] = (),
    details: dict[str, Any] | None = None,
) -> Decision:
    ranked = sorted(stories, key=lambda s: (-s.weight, -s.confidence, s.first_seen, s.story_id))
    return Decision(
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        stories=len(stories),
        outlets=len(_outlets(stories)),
        article_ids=tuple(s.article_id for s in ranked[: settings.evidence_articles]),
        reasons=reasons,
        suppressed=suppressed,
        details=details or {},
    )


def _outlets(stories: Iterable[StoryView]) -> set[str]:
    return outlet_groups(stories)


def _shortfall(stories: list[StoryView], min_outlets: int, min_stories: int) -> str | None:
    """Why some stories are not enough support, or None when they are.

    One outlet is a single source, however many stories it printed; enough outlets
    carrying too few independent stories are copies folded into one report.
    """
    outlets = len(_outlets(stories))
    if outlets < min_outlets:
        return SINGLE_SOURCE if outlets == 1 else TOO_LITTLE_SUPPORT
    if len(stories) < min_stories:
        return COPIES_FOLDED
    return None


def _span(value: timedelta) -> str:
    return format_duration(value)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
