"""Reporting commands over stored state: articles, stories, sources."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import emit_json, err_console, fail, print_table, short_time


def _table(columns: list[str], rows: list[list[Any]], empty: str) -> None:
    if not rows:
        err_console.print(empty)
        return
    table = Table(*columns, show_lines=False, highlight=False)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    print_table(table)


@app.command()
def articles(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Only this outlet.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N.")] = 50,
    with_text: Annotated[bool, typer.Option("--with-text", help="Include the text.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Stored articles, newest first, with status, confidence and evidence."""
    from crawler.model import STATUSES
    from crawler.store.db import session_scope
    from crawler.store.reports import list_articles

    if status is not None and status not in STATUSES:
        fail(f"unknown status {status!r} (one of: {', '.join(STATUSES)})")
    settings = settings_or_exit(config)
    with session_scope(engine_or_exit(settings)) as session:
        rows = list_articles(
            session, status=status, outlet=outlet, limit=limit, with_text=with_text
        )
    if json_output:
        emit_json(rows)
        return
    _table(
        ["published", "outlet", "status", "conf", "story", "title"],
        [
            [
                short_time(r["published"]),
                r["outlet"],
                f"{r['status']} (corrected)" if r.get("corrected") else r["status"],
                f"{r['confidence']:.2f}",
                r["story"],
                r["title"],
            ]
            for r in rows
        ],
        "no articles yet" if status is None and outlet is None else "no matching articles",
    )


@app.command()
def stories(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N.")] = 100,
    json_output: JsonOption = False,
) -> None:
    """Stories (clusters of syndicated copies) with their article and outlet counts."""
    from crawler.store.db import session_scope
    from crawler.store.reports import list_stories

    settings = settings_or_exit(config)
    with session_scope(engine_or_exit(settings)) as session:
        rows = list_stories(session, limit=limit)
    if json_output:
        emit_json(rows)
        return
    _table(
        ["id", "first seen", "articles", "outlets", "title"],
        [
            [r["id"], short_time(r["first_seen"]), r["articles"], r["outlets"], r["title"]]
            for r in rows
        ],
        "no stories yet",
    )


@app.command()
def sources(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Configured sources with their health: last success, last error, failures.

    Credentials in a source's URL (`user:pass@`, `?apikey=…`, `&token=…`) show as `***`.
    """
    from crawler.fetch.urls import redact_url
    from crawler.store.db import session_scope
    from crawler.store.reports import list_sources

    settings = settings_or_exit(config)
    with session_scope(engine_or_exit(settings)) as session:
        stored = {row["name"]: row for row in list_sources(session)}
    rows = []
    for source in settings.sources:
        row = stored.get(source.name) or {
            "name": source.name,
            "kind": source.kind,
            "url": redact_url(str(source.url)),
            "topic": source.topic,
            "interval": source.interval.total_seconds(),
            "last_polled": None,
            "last_success": None,
            "last_error": None,
            "last_error_at": None,
            "consecutive_failures": 0,
            "polls": 0,
            "failures": 0,
            "next_poll": None,
            "next_poll_reason": None,
            "healthy": False,
        }
        row["enabled"] = source.enabled
        rows.append(row)
    if json_output:
        emit_json(rows)
        return
    _table(
        ["name", "kind", "interval", "last success", "failures", "last error", "next poll", "why"],
        [
            [
                r["name"],
                r["kind"],
                every(r["interval"]),
                short_time(r["last_success"]) or "never",
                r["consecutive_failures"],
                r["last_error"] or "",
                short_time(r["next_poll"]),
                r["next_poll_reason"] or "",
            ]
            for r in rows
        ],
        "no sources configured (add [[sources]] to the config)",
    )


def every(seconds: float | None) -> str:
    """An interval as people say it: `every 15 min`, `every 2 h`, `every 45 s`."""
    if not seconds:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"every {int(seconds // size)} {unit}"
    if seconds >= 60:
        return f"every {round(seconds / 60, 1):g} min"
    return f"every {seconds:g} s"
