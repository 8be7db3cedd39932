"""`peacewatch alerts` (the outbox, retry, deliver, test) and `peacewatch silence`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import console, emit_json, err_console, fail, print_table, short_time

if TYPE_CHECKING:
    from datetime import timedelta

    from notifier.tables import Silence

alerts_app = typer.Typer(
    help="The alert outbox: every delivery of every shift, with its state.",
    invoke_without_command=True,
)
silence_app = typer.Typer(help="Mute a topic's alerts for a while; shifts are still recorded.")
app.add_typer(alerts_app, name="alerts")
app.add_typer(silence_app, name="silence")


@alerts_app.callback()
def alerts(
    ctx: typer.Context,
    config: ConfigOption = None,
    state: Annotated[
        str | None, typer.Option(help="Only alerts in this state (pending, sent, dead).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    json_output: JsonOption = False,
) -> None:
    """Show the outbox (newest first): state, attempts, next try, last error."""
    if ctx.invoked_subcommand is not None:
        return
    from crawler.store.db import session_scope
    from notifier.reports import list_alerts

    engine = engine_or_exit(settings_or_exit(config))
    with session_scope(engine) as session:
        rows = list_alerts(session, state=state, limit=limit)
    if json_output:
        emit_json(rows)
        return
    if not rows:
        err_console.print("the outbox is empty")
        return
    table = Table("id", "channel", "kind", "state", "attempts", "next / sent", "last error")
    for row in rows:
        when = row["sent_at"] if row["state"] == "sent" else row["next_attempt_at"]
        table.add_row(
            str(row["id"]),
            escape(row["channel"]),
            row["kind"],
            row["state"],
            str(row["attempts"]),
            short_time(when),
            escape(row["last_error"] or ""),
        )
    print_table(table)


@alerts_app.command("retry")
def alerts_retry(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The dead alert to re-queue.")],
    config: ConfigOption = None,
) -> None:
    """Re-queue a dead alert; it is sent on the next delivery pass."""
    from crawler.store.db import session_scope
    from notifier.alerts.outbox import RequeueError, requeue_alert

    engine = engine_or_exit(settings_or_exit(config))
    try:
        with session_scope(engine) as session:
            requeue_alert(session, alert_id)
    except RequeueError as exc:
        fail(str(exc))
    err_console.print(f"alert {alert_id} re-queued")


@alerts_app.command("deliver")
def alerts_deliver(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Send every due alert now and report what happened."""
    from crawler.runtime.loop import run
    from notifier.alerts.outbox import deliver_pending

    settings = settings_or_exit(config)
    engine = engine_or_exit(settings)
    report = run(deliver_pending(engine, settings.channels, settings.alerts))
    data = {"sent": report.sent, "failed": report.failed, "dead": report.dead}
    if json_output:
        emit_json({**data, "errors": report.errors})
        return
    err_console.print(", ".join(f"{k}: {v}" for k, v in data.items()))
    for error in report.errors:
        err_console.print(f"  {escape(error)}")


@alerts_app.command("test")
def alerts_test(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Send a test message to every channel and report each result."""
    from crawler.runtime.loop import run
    from notifier.alerts.outbox import send_test

    settings = settings_or_exit(config)
    if not settings.channels:
        fail("no channels configured (add [[channels]] to the config)")
    results = run(send_test(settings.channels))
    if json_output:
        emit_json(results)
    else:
        for result in results:
            mark = (
                "[green]ok[/]"
                if result["ok"]
                else f"[red]failed:[/] {escape(str(result['error']))}"
            )
            err_console.print(f"{escape(str(result['channel']))}: {mark}")
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)


def _silence_dict(silence: Silence) -> dict[str, object]:
    return {
        "id": silence.id,
        "topic": silence.topic,
        "starts_at": silence.starts_at.isoformat(),
        "ends_at": silence.ends_at.isoformat(),
        "comment": silence.comment,
    }


@silence_app.command("add")
def silence_add(
    topic: Annotated[str, typer.Option("--topic", help="The topic to mute.")],
    duration: Annotated[str, typer.Option("--for", help="How long, e.g. 30m, 6h, 2d.")],
    comment: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Mute a topic's alerts for a while; its shifts are still recorded."""
    from crawler.clock import utcnow
    from crawler.config_types import parse_duration
    from crawler.store.db import session_scope
    from notifier.tables import Silence

    settings = settings_or_exit(config)
    names = [t.name for t in settings.topics]
    if topic not in names:
        fail(f"unknown topic {topic!r} (known: {', '.join(names)})")
    try:
        span: timedelta = parse_duration(duration)
    except ValueError as exc:
        fail(f"--for: {exc}")
    engine = engine_or_exit(settings)
    now = utcnow()
    with session_scope(engine) as session:
        silence = Silence(topic=topic, starts_at=now, ends_at=now + span, comment=comment)
        session.add(silence)
        session.flush()
        data = _silence_dict(silence)
    if json_output:
        emit_json(data)
    else:
        err_console.print(f"silence {data['id']}: {escape(topic)} muted until {data['ends_at']}")


@silence_app.command("list")
def silence_list(
    config: ConfigOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Silences in force (or all, with --all)."""
    from sqlalchemy import select

    from crawler.clock import utcnow
    from crawler.store.db import session_scope
    from notifier.tables import Silence

    engine = engine_or_exit(settings_or_exit(config))
    with session_scope(engine) as session:
        silences = list(session.exec(select(Silence).order_by(Silence.id)).scalars())  # type: ignore[call-overload]
    now = utcnow()
    data = [_silence_dict(s) for s in silences if all_ or s.ends_at > now]
    if json_output:
        emit_json(data)
        return
    if not data:
        err_console.print("no silences in force")
    for row in data:
        note = f" — {row['comment']}" if row["comment"] else ""
        until = short_time(str(row["ends_at"]))
        console.print(escape(f"{row['id']}  {row['topic']}  until {until}{note}"), soft_wrap=True)


@silence_app.command("remove")
def silence_remove(
    silence_id: Annotated[int, typer.Argument(metavar="ID", help="The silence to end.")],
    config: ConfigOption = None,
) -> None:
    """End a silence now (it stays in `silence list --all`, for the record).

    Exit status 1, changing nothing, if the silence had already ended (expired or
    removed); 2 if there is no silence with that id.
    """
    from crawler.clock import utcnow
    from crawler.store.db import session_scope
    from notifier.tables import Silence

    engine = engine_or_exit(settings_or_exit(config))
    now = utcnow()
    with session_scope(engine) as session:
        silence = session.get(Silence, silence_id)
        if silence is None:
            fail(f"no silence with id {silence_id}")
        ended_at = silence.ends_at
        if ended_at <= now:
            fail(f"silence {silence_id} was not active (it ended {short_time(ended_at)})", 1)
        silence.ends_at = max(now, silence.starts_at)
        session.add(silence)
    err_console.print(f"silence {silence_id} ended")
