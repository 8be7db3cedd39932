"""Replaying a built timeline yields exactly the expected shifts, at the expected times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app

TIMELINE = Path(__file__).resolve().parents[1] / "data" / "talks_timeline.jsonl"

# (detected_at, kind, from, to, outlets, reasons, suppressed reason's first word or None)
EXPECTED = [
    ("2025-03-01T02:00:00+00:00", "status_change", "none", "stalled", 1, [], "single"),
    ("2025-03-01T08:00:00+00:00", "status_change", "none", "stalled", 2, [], "too"),
    # The first well-supported status of the stream: reported once, as the initial state.
    (
        "2025-03-01T08:30:00+00:00",
        "status_change",
        "none",
        "stalled",
        3,
        ["initial state"],
        None,
    ),
    ("2025-03-08T14:30:00+00:00", "status_change", "stalled", "scheduled", 4, [], None),
    ("2025-03-10T09:00:00+00:00", "status_change", "scheduled", "ongoing", 2, [], "too"),
    # Nothing in the last 24 h says "scheduled" any more: it decays to quiet …
    ("2025-03-10T09:00:00+00:00", "status_change", "scheduled", "quiet", 0, [], "decayed"),
    # … and "ongoing" emerges from quiet as a new event.
    ("2025-03-10T09:30:00+00:00", "status_change", "quiet", "ongoing", 3, [], None),
    # The ceasefire breaks in ten outlets at once: decisive, takes the lead and surges —
    # one event, one shift.
    (
        "2025-03-14T14:00:00+00:00",
        "decisive_status",
        "ongoing",
        "ceasefire",
        10,
        ["status_change", "surge"],
        None,
    ),
    ("2025-03-17T10:00:00+00:00", "decisive_status", "ceasefire", "collapsed", 1, [], "single"),
    # The second outlet's report is a summary of the first's text: one story, not two.
    ("2025-03-17T11:00:00+00:00", "decisive_status", "ceasefire", "collapsed", 2, [], "copies"),
    ("2025-03-17T11:00:00+00:00", "status_change", "ceasefire", "collapsed", 2, [], "too"),
    ("2025-03-17T11:00:00+00:00", "status_change", "ceasefire", "quiet", 0, [], "decayed"),
    # A second independent report three hours later: collapsed is decisive, and leads.
    (
        "2025-03-17T14:00:00+00:00",
        "decisive_status",
        "quiet",
        "collapsed",
        3,
        ["status_change"],
        None,
    ),
]


@pytest.fixture
def run_replay(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no peacewatch.toml here: replay needs no config
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)

    def run(*args: str) -> list[dict]:
        result = CliRunner().invoke(app, ["replay", str(TIMELINE), "--json", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return run


def _summary(shifts: list[dict]) -> list[tuple]:
    return [
        (
            s["detected_at"],
            s["kind"],
            s["from"],
            s["to"],
            s["support"]["outlets"],
            s["reasons"],
            s["suppressed"].split(" ")[0] if s["suppressed"] else None,
        )
        for s in shifts
    ]


def test_timeline_replays_to_the_expected_shifts_twice_the_same(run_replay) -> None:
    first = run_replay()
    assert _summary(first) == EXPECTED
    assert [s["detected_at"] for s in first] == sorted(s["detected_at"] for s in first)
    assert all(set(s["support"]) == {"stories", "outlets"} for s in first)
    second = run_replay()
    assert [{k: v for k, v in s.items() if k != "id"} for s in second] == [
        {k: v for k, v in s.items() if k != "id"} for s in first
    ]


def test_thresholds_come_from_the_config(run_replay, tmp_path) -> None:
    config = tmp_path / "strict.toml"
    config.write_text("[alerts]\nmin_outlets = 20\ndecisive_min_outlets = 20\n")
    raised = [s for s in run_replay("--config", str(config)) if s["suppressed"] is None]
    # No status ever gets 20 outlets, and neither does the volume surge.
    assert raised == []
    surges = [s for s in run_replay("--config", str(config)) if s["kind"] == "surge"]
    assert surges and {s["suppressed"] for s in surges} == {"too little support"}


def test_bad_line_is_one_readable_error(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"url": "https://a.example/1", "title": "x", "published": "2025-03-01"}\n')
    result = CliRunner().invoke(app, ["replay", str(bad), "--json"])
    assert result.exit_code == 2
    assert "line 1: published needs a time zone" in result.stderr
    assert result.stdout == ""


def test_the_rules_classifier_reads_the_timeline_to_the_same_alerts(tmp_path, monkeypatch) -> None:
    """Without the labels in the lines, the real classifier decides each status, and the
    shifts that alert are the same ones, at the same times (support may differ by an
    outlet or two, and it may record extra suppressed decisions)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)
    unlabelled = tmp_path / "unlabelled.jsonl"
    with TIMELINE.open() as source, unlabelled.open("w") as out:
        for line in source:
            row = json.loads(line)
            row.pop("status", None)
            out.write(json.dumps(row) + "\n")
    # The rules with the term query, as a topic can still be configured: this written
    # timeline is their regression set (the learned reader is measured on real coverage).
    config = tmp_path / "rules.toml"
    config.write_text('[[topics]]\nrelevance = "query"\n[topics.classifier]\nbackend = "rules"\n')
    result = CliRunner().invoke(app, ["replay", str(unlabelled), "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    # `from` may read "quiet" where the labels said otherwise: the classifier's readings
    # decay a status at a different hour. The alerts themselves are the same.
    raised = [(s[0], s[1], s[3]) for s in _summary(json.loads(result.stdout)) if s[-1] is None]
    assert raised == [(s[0], s[1], s[3]) for s in EXPECTED if s[-1] is None]


def test_sweep_replays_one_stream_under_each_setting(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)
    expected = tmp_path / "timeline.expected.json"
    expected.write_text(
        json.dumps(
            {
                "period": ["2025-03-01", "2025-03-31"],
                "events": [
                    {
                        "kind": "decisive_status",
                        "status": "ceasefire",
                        "from": "2025-03-14",
                        "to": "2025-03-15",
                    },
                    {"status": "collapsed", "from": "2025-03-17", "to": "2025-03-18"},
                ],
            }
        )
    )
    args = ["replay", str(TIMELINE), "--sweep", "alerts.min_outlets=3,20"]
    result = CliRunner().invoke(app, [*args, "--expected", str(expected), "--json"])
    assert result.exit_code == 0, result.output
    runs = {r["value"]: r for r in json.loads(result.stdout)}
    assert list(runs) == ["3", "20"]
    # The default threshold: the timeline's five alerts, both events met, three others.
    assert (runs["3"]["shifts"], runs["3"]["events_met"], runs["3"]["false_alarms"]) == (5, 2, 3)
    assert runs["3"]["by_month"] == {"2025-03": 5}
    # Twenty outlets: no status change can happen, the decisive alerts remain.
    assert runs["20"]["shifts"] < runs["3"]["shifts"] and runs["20"]["events_met"] == 2
    text = CliRunner().invoke(app, [*args, "--expected", str(expected)])
    assert text.exit_code == 0 and "alerts.min_outlets=20" in text.stdout
    assert "events met" in text.stdout
    # An event names the kinds of shift that report it: the truce was no surge.
    surge = json.loads(expected.read_text())
    surge["events"][0]["kind"] = ["surge"]
    expected.write_text(json.dumps(surge))
    result = CliRunner().invoke(app, [*args, "--expected", str(expected), "--json"])
    assert json.loads(result.stdout)[0]["events_met"] == 1
    surge["events"][0]["kind"] = "truce"
    expected.write_text(json.dumps(surge))
    result = CliRunner().invoke(app, [*args, "--expected", str(expected)])
    assert result.exit_code == 2 and "unknown shift kind 'truce'" in result.stderr


def test_sweep_names_a_bad_key_or_value_in_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)
    for spec, message in [
        ("alerts.nonsense=1,2", "unknown key alerts.nonsense"),
        ("alerts.min_outlets=3,zero", "alerts.min_outlets = 'zero'"),
        ("min_outlets", "--sweep wants KEY=V1,V2"),
    ]:
        result = CliRunner().invoke(app, ["replay", str(TIMELINE), "--sweep", spec])
        assert result.exit_code == 2
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
