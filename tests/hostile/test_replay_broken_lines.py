"""`replay` reports every broken line of a stream, by number, and replays the rest;
`--strict` stops at the first (exit 2).

The broken lines are spread through a real timeline: not JSON, not an object, a
missing field, a time without a zone or out of range, an unknown status, bytes that
are not UTF-8. A line whose text holds U+2028 is valid JSON and is no broken line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app

TIMELINE = Path(__file__).resolve().parents[1] / "data" / "talks_timeline.jsonl"
BROKEN: list[tuple[bytes, str]] = [  # (the line, what the report must say)
    (b'{"url": "https://a.example/1", "title": "cut short', "not JSON"),
    (b'["https://a.example/2", "a list"]', "expected an object"),
    (b'{"title": "no url", "published": "2025-03-01T00:00:00Z"}', "missing 'url'"),
    (
        b'{"url": "https://a.example/3", "title": "x", "published": "2025-03-01"}',
        "published needs a time zone",
    ),
    (
        b'{"url": "https://a.example/4", "title": "x", "published": "0001-01-01T00:00:00+14:00"}',
        "published",
    ),
    (
        b'{"url": "https://a.example/5", "title": "x", "published": "2025-03-01T00:00:00Z", '
        b'"status": "peace"}',
        "unknown status 'peace'",
    ),
    (
        b'{"url": "https://a.example/6", "title": "caf\xe9", "published": "2025-03-01T00:00Z"}',
        "UTF-8",
    ),
]


def _runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no peacewatch.toml here: replay needs no config
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)
    return CliRunner()


def _stream(tmp_path: Path) -> tuple[Path, list[int]]:
    """The timeline with a broken line after every 15th good one; the broken lines'
    numbers. One good line's title gains a U+2028, which JSON allows."""
    good = TIMELINE.read_bytes().splitlines()
    first = json.loads(good[0])
    first["title"] += "\u2028(updated)"
    good[0] = json.dumps(first, ensure_ascii=False).encode()
    lines: list[bytes] = []
    numbers: list[int] = []
    broken = iter(BROKEN)
    for n, line in enumerate(good, start=1):
        lines.append(line)
        if n % 15 == 0 and (bad := next(broken, None)) is not None:
            lines.append(bad[0])
            numbers.append(len(lines))
    assert len(numbers) == len(BROKEN)
    path = tmp_path / "stream.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, numbers


def test_replay_reports_every_broken_line_and_goes_on(tmp_path, monkeypatch) -> None:
    runner = _runner(monkeypatch, tmp_path)
    path, numbers = _stream(tmp_path)
    result = runner.invoke(app, ["replay", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    for number, (_line, reason) in zip(numbers, BROKEN, strict=True):
        assert f"line {number}: " in result.stderr, result.stderr
        report = next(x for x in result.stderr.splitlines() if f"line {number}: " in x)
        assert reason in report, report
    assert f"{len(BROKEN)} broken lines skipped" in result.stderr
    shifts = json.loads(result.stdout)  # stdout is the JSON alone

    clean = runner.invoke(app, ["replay", str(TIMELINE), "--json"])
    assert clean.exit_code == 0, clean.output
    expected = json.loads(clean.stdout)
    assert [(s["detected_at"], s["kind"], s["to"], s["suppressed"]) for s in shifts] == [
        (s["detected_at"], s["kind"], s["to"], s["suppressed"]) for s in expected
    ]


def test_replay_strict_stops_at_the_first_broken_line(tmp_path, monkeypatch) -> None:
    runner = _runner(monkeypatch, tmp_path)
    path, numbers = _stream(tmp_path)
    result = runner.invoke(app, ["replay", str(path), "--json", "--strict"])
    assert result.exit_code == 2
    assert f"line {numbers[0]}: not JSON" in result.stderr
    assert f"line {numbers[1]}:" not in result.stderr
    assert result.stdout == ""
