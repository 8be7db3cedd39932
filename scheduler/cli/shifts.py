"""`peacewatch shifts`, `peacewatch status` and `peacewatch replay`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import console, emit_json, err_console, fail, print_table, short_time


def _print_shifts(rows: list[dict[str, Any]]) -> None:
    if not rows:
        err_console.print("no shifts")
        return
    table = Table("detected at", "topic", "kind", "from → to", "outlets", "stories", "decision")
    for row in rows:
        decision = f"suppressed: {row['suppressed']}" if row.get("suppressed") else "raised"
        if row.get("reasons"):
            decision += f" (also {', '.join(row['reasons'])})"
        table.add_row(
            short_time(row["detected_at"]),
            escape(row["topic"]),
            row["kind"],
            f"{row['from']} → {row['to']}",
            str(row["support"]["outlets"]),
            str(row["support"]["stories"]),
            escape(decision),
        )
    print_table(table)


@app.command()
def shifts(
    config: ConfigOption = None,
    topic: Annotated[str | None, typer.Option(help="Only this topic.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the latest N.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Coverage shifts, oldest first: raised, or suppressed and why, with deliveries."""
    from crawler.store.db import session_scope
    from notifier.reports import list_shifts

    engine = engine_or_exit(settings_or_exit(config))
    with session_scope(engine) as session:
        rows = list_shifts(session, topic=topic, limit=limit)
    if json_output:
        emit_json(rows)
    else:
        _print_shifts(rows)


def _print_sweep(results: list[dict[str, Any]]) -> None:
    """One row per value, then each value's raised shifts: how the rules behave on history."""
    scored = "events_met" in results[0]
    head = ["setting", "shifts", "suppressed", "alerts/month", "by month"]
    table = Table(*head, *(["events met", "false alarms"] if scored else []))
    for r in results:
        months = ", ".join(f"{m} {n}" for m, n in r["by_month"].items()) or "none"
        cells = [
            f"{r['key']}={r['value']}",
            str(r["shifts"]),
            str(r["suppressed"]),
            f"{r['alerts_per_month']:.1f}",
            months,
        ]
        if scored:
            cells += [f"{r['events_met']}/{r['events']}", str(r["false_alarms"])]
        table.add_row(*(escape(c) for c in cells))
    print_table(table)
    for r in results:
        console.print(f"{escape(r['key'])}={escape(r['value'])}:", highlight=False)
        for s in (d for d in r["decisions"] if not d.get("suppressed")):
            console.print(
                f"  {short_time(s['detected_at'])} {s['kind']} {s['from']} → {s['to']} "
                f"({s['support']['stories']} stories, {s['support']['outlets']} outlets)",
                highlight=False,
            )


@app.command()
def status(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """The reported status of each topic: what the coverage settled on, since when."""
    from crawler.store.db import session_scope
    from notifier.reports import topic_status

    settings = settings_or_exit(config)
    engine = engine_or_exit(settings)
    with session_scope(engine) as session:
        rows = topic_status(session, settings.topics)
    if json_output:
        emit_json(rows)
        return
    for row in rows:
        console.print(f"{escape(row['title'])}: {_status_line(row)}")
        for group, data in row.get("groups", {}).items():
            console.print(f"  {escape(group)}: {_status_line(data)}")


def _status_line(row: dict[str, Any]) -> str:
    """A topic's (or one outlet group's) status, since when and on what support."""
    support = row["support"]
    since = f" since {short_time(row['since'])}" if row["since"] else ""
    if row.get("last_support_at"):
        since += f", last support {short_time(row['last_support_at'])}"
    return (
        f"[bold]{row['status']}[/]{since} "
        f"({support['outlets']} outlets, {support['stories']} stories)"
    )


@app.command("replay")
def replay_command(
    path: Annotated[Path, typer.Argument(help="JSON lines: url, outlet, title, text, published.")],
    config: ConfigOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first broken line (exit 2).")
    ] = False,
    sweep: Annotated[
        str | None,
        typer.Option(
            "--sweep",
            metavar="KEY=V1,V2,...",
            help="Replay once per value of one [alerts] key (e.g. alerts.min_outlets=2,3,4).",
        ),
    ] = None,
    expected: Annotated[
        Path | None,
        typer.Option(
            "--expected",
            help="With --sweep: expected events (JSON) to count events met and false alarms.",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Replay articles through dedup, classification and shift detection in time order.

    Runs in a scratch database; time is each article's `published`, so a replay of last
    month behaves as last month did. A line may carry `status` to override the
    classifier (a labelled backtest). Thresholds come from [alerts] of the config.
    Each broken line is reported on stderr with its number and skipped (exit 2 if no
    line was left to replay); `--strict` stops at the first.
    """
    from notifier.reports import shift_dict
    from notifier.settings import AlertSettings
    from notifier.shifts.replay import ReplayError, parse_lines, replay
    from notifier.shifts.sweep import SweepError, load_expected, parse_sweep, score
    from scheduler.database import DatabaseError, open_database

    settings = settings_or_exit(config)
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    # Bytes split at \n, \r\n and \r only: str.splitlines would also split at U+2028,
    # which JSON allows inside a string. A line that is not UTF-8 is reported, not fatal.
    lines = [line.decode("utf-8", "surrogateescape") for line in data.splitlines()]
    broken: list[ReplayError] = []

    def report(error: ReplayError) -> None:
        broken.append(error)
        err_console.print(
            f"{escape(str(path))}: {escape(str(error))}", highlight=False, soft_wrap=True
        )

    def run(alerts: AlertSettings, on_error: Any) -> list[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="peacewatch-replay-") as scratch:
            try:
                engine = open_database(f"sqlite:///{Path(scratch) / 'replay.db'}")
            except DatabaseError as exc:
                fail(str(exc))
            try:
                recorded = replay(
                    engine, lines, settings.topic(), alerts, settings.dedup, on_error=on_error
                )
            except ReplayError as exc:
                fail(f"{path}: {exc}")
            finally:
                engine.dispose()
            return [shift_dict(s) for s in recorded]

    if expected is not None and sweep is None:
        fail("--expected goes with --sweep")
    plan: list[tuple[str, AlertSettings]] = []
    if sweep is not None:
        try:
            key, plan = parse_sweep(sweep, settings.alerts)
            wanted = load_expected(expected) if expected is not None else None
        except SweepError as exc:
            fail(str(exc))
    rows = run(plan[0][1] if plan else settings.alerts, None if strict else report)
    if broken:
        plural = "line" if len(broken) == 1 else "lines"
        err_console.print(
            f"{escape(str(path))}: {len(broken)} broken {plural} skipped",
            highlight=False,
            soft_wrap=True,
        )
        if len(broken) == sum(1 for line in lines if line.strip()):
            fail(f"{path}: no line could be replayed")
    if plan:
        stream = parse_lines(lines, settings.topic().name, on_error=lambda _error: None)
        first, last = stream[0].candidate.published, stream[-1].candidate.published
        assert first is not None and last is not None  # a replay line needs `published`
        span = (first, last)
        results = []
        for index, (value, alerts) in enumerate(plan):
            decided = rows if index == 0 else run(alerts, lambda _error: None)
            results.append(
                {"key": key, "value": value, **score(decided, wanted, span), "decisions": decided}
            )
        if json_output:
            emit_json(results)
        else:
            _print_sweep(results)
        return
    if json_output:
        emit_json(rows)
    else:
        _print_shifts(rows)
