"""The pure shift detector: decisions from observations, state and thresholds alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from notifier.settings import AlertSettings
from notifier.shifts.detect import DetectorState, Observation, detect_shifts, story_views

T = datetime(2025, 3, 1, tzinfo=UTC)
SETTINGS = AlertSettings()
# The mechanics below (hysteresis, edges, cooldowns) are built from one wide story per
# status; WIRE lets a single story count so they test those rules, not independence
# (tests/alerts/test_independence.py covers that).
WIRE = AlertSettings(min_stories=1, decisive_min_stories=1)
_ids = count(1)


def story(story_id: int, status: str, outlets: list[str], at: datetime, conf: float = 0.8):
    return [Observation(next(_ids), story_id, o, status, conf, at) for o in outlets]


def run(observations, state=None, now=None, settings=SETTINGS):
    return detect_shifts(observations, state or DetectorState(), settings, now or T)


def summary(detection):
    return [
        (d.kind, d.from_status, d.to_status, d.reasons, d.suppressed) for d in detection.decisions
    ]


def test_story_status_is_the_majority_of_its_outlets_not_one_odd_copy() -> None:
    rows = story(1, "stalled", ["a.com", "b.com", "c.com"], T)
    rows += story(1, "ceasefire", ["d.com"], T, conf=0.99)
    rows += story(1, "ceasefire", ["a.com"], T, conf=0.1)  # a.com's best article still says stalled
    (view,) = story_views(rows)
    assert view.status == "stalled"
    assert view.weight == 4


def test_status_change_needs_support_and_is_noted_once() -> None:
    one = story(1, "stalled", ["a.com"], T)
    first = run(one)
    assert summary(first) == [("status_change", "none", "stalled", (), "single source")]
    again = run(one, first.state, T + timedelta(minutes=5))
    assert summary(again) == []
    three = one + story(2, "stalled", ["b.com", "c.com"], T + timedelta(hours=1))
    raised = run(three, again.state, T + timedelta(hours=1))
    assert summary(raised) == [("status_change", "none", "stalled", ("initial state",), None)]
    assert raised.state.status == "stalled" and raised.state.since == T + timedelta(hours=1)
    assert (raised.decisions[0].stories, raised.decisions[0].outlets) == (2, 3)


def test_hysteresis_keeps_a_near_tie_from_flapping() -> None:
    base = story(1, "stalled", [f"s{i}.com" for i in range(10)], T)
    state = run(base, settings=WIRE).state
    close = base + story(2, "ongoing", [f"o{i}.com" for i in range(11)], T + timedelta(hours=7))
    tied = run(close, state, T + timedelta(hours=7), settings=WIRE)
    assert summary(tied) == [("status_change", "stalled", "ongoing", (), "hysteresis")]
    assert tied.state.status == "stalled"
    clear = close + story(3, "ongoing", ["x.com", "y.com"], T + timedelta(hours=8))
    moved = run(clear, tied.state, T + timedelta(hours=8), settings=WIRE)
    assert summary(moved) == [("status_change", "stalled", "ongoing", (), None)]


def test_decisive_status_in_two_outlets_within_six_hours_fires_once() -> None:
    base = story(1, "ongoing", [f"o{i}.com" for i in range(8)], T)
    state = run(base, settings=WIRE).state
    one = base + story(2, "ceasefire", ["a.com"], T + timedelta(hours=1))
    noted = run(one, state, T + timedelta(hours=1))
    assert summary(noted) == [("decisive_status", "ongoing", "ceasefire", (), "single source")]
    two = one + story(3, "ceasefire", ["b.com"], T + timedelta(hours=6, minutes=30))
    # b.com arrives 5h30 after a.com: both inside the 6h window.
    fired = run(two, noted.state, T + timedelta(hours=6, minutes=30))
    assert summary(fired) == [("decisive_status", "ongoing", "ceasefire", (), None)]
    later = run(two, fired.state, T + timedelta(hours=6, minutes=45))
    assert summary(later) == []  # still active: edge-triggered, no repeat


def test_decisive_outlets_outside_the_window_do_not_add_up() -> None:
    rows = story(1, "ceasefire", ["a.com"], T) + story(
        2, "ceasefire", ["b.com"], T + timedelta(hours=7)
    )
    result = run(rows, now=T + timedelta(hours=7))
    assert all(d.suppressed for d in result.decisions)


def test_kinds_firing_together_merge_into_one_decision() -> None:
    # A week of steady coverage, then ten outlets report a ceasefire in one burst.
    rows = []
    for day in range(7):
        for hour in (3, 15):
            rows += story(
                100 + day * 2 + hour,
                "ongoing",
                [f"o{day}.com"],
                T + timedelta(days=day, hours=hour),
            )
    state = DetectorState()
    for day in range(7):
        state = run(rows, state, T + timedelta(days=day, hours=16)).state
    now = T + timedelta(days=7, hours=12)
    burst = rows + [
        obs
        for k in range(5)
        for obs in story(k + 1, "ceasefire", [f"c{k}a.com", f"c{k}b.com"], now)
    ]
    result = run(burst, state, now)
    raised = [d for d in result.decisions if d.suppressed is None]
    assert [(d.kind, d.to_status, d.reasons) for d in raised] == [
        ("decisive_status", "ceasefire", ("status_change", "surge", "initial state"))
    ]
    assert result.state.status == "ceasefire"


def test_a_later_shift_to_the_same_status_within_the_cooldown_is_suppressed() -> None:
    base = story(1, "ongoing", [f"o{i}.com" for i in range(6)], T)
    state = run(base, settings=WIRE).state
    cease = base + story(2, "ceasefire", ["a.com", "b.com"], T + timedelta(hours=1))
    fired = run(cease, state, T + timedelta(hours=1), settings=WIRE)
    assert [d.kind for d in fired.decisions if d.suppressed is None] == ["decisive_status"]
    assert fired.state.status == "ongoing"
    lead = cease + story(3, "ceasefire", [f"x{i}.com" for i in range(8)], T + timedelta(hours=3))
    later = run(lead, fired.state, T + timedelta(hours=3), settings=WIRE)
    assert [(d.kind, d.suppressed.split(":")[0]) for d in later.decisions] == [
        ("status_change", "cooldown")
    ]
    assert later.state.status == "ceasefire"  # the record follows the coverage anyway


def test_same_input_same_output_and_state_survives_json() -> None:
    rows = story(1, "stalled", ["a.com", "b.com", "c.com"], T) + story(
        2, "ceasefire", ["d.com", "e.com"], T
    )
    one = run(rows)
    two = run(list(reversed(rows)))
    assert one.decisions == two.decisions
    assert DetectorState.from_json(one.state.to_json()) == one.state
    assert one.state.to_json() == two.state.to_json()


def test_surge_needs_history_before_it_can_fire() -> None:
    rows = [obs for k in range(8) for obs in story(k + 1, "ongoing", [f"n{k}.com"], T)]
    assert [d.kind for d in run(rows).decisions if d.kind == "surge"] == []


def test_a_surge_from_one_outlet_is_a_single_source_not_a_shift() -> None:
    # One outlet printing a burst of talks stories (a rumour mill) is not coverage surging.
    old = story(100, "ongoing", ["old.com"], T - timedelta(days=3))
    now = T + timedelta(hours=1)
    burst = [o for k in range(12) for o in story(k + 1, "proposed", ["one.com"], T)]
    alone = run(old + burst, now=now)
    surges = [d for d in alone.decisions if d.kind == "surge"]
    assert [(d.to_status, d.suppressed) for d in surges] == [("proposed", "single source")]
    wide = [o for k in range(12) for o in story(k + 1, "proposed", [f"n{k}.com"], T)]
    raised = run(old + wide, now=now)
    kinds = [(d.kind, *d.reasons) for d in raised.decisions if d.suppressed is None]
    assert any("surge" in k for k in kinds), summary(raised)
