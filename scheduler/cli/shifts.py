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
        support = row["support"]
        since = f" since {short_time(row['since'])}" if row["since"] else ""
        console.print(
            f"{escape(row['title'])}: [bold]{row['status']}[/]{since} "
            f"({support['outlets']} outlets, {support['stories']} stories)"
        )


@app.command("replay")
def replay_command(
    path: Annotated[Path, typer.Argument(help="JSON lines: url, outlet, title, text, published.")],
    config: ConfigOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first broken line (exit 2).")
    ] = False,
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
    from notifier.shifts.replay import ReplayError, replay
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

    with tempfile.TemporaryDirectory(prefix="peacewatch-replay-") as scratch:
        try:
            engine = open_database(f"sqlite:///{Path(scratch) / 'replay.db'}")
        except DatabaseError as exc:
            fail(str(exc))
        try:
            recorded = replay(
                engine,
                lines,
                settings.topic(),
                settings.alerts,
                settings.dedup,
                on_error=None if strict else report,
            )
        except ReplayError as exc:
            fail(f"{path}: {exc}")
        finally:
            engine.dispose()
        rows = [shift_dict(s) for s in recorded]
    if broken:
        plural = "line" if len(broken) == 1 else "lines"
        err_console.print(
            f"{escape(str(path))}: {len(broken)} broken {plural} skipped",
            highlight=False,
            soft_wrap=True,
        )
        if len(broken) == sum(1 for line in lines if line.strip()):
            fail(f"{path}: no line could be replayed")
    if json_output:
        emit_json(rows)
    else:
        _print_shifts(rows)
