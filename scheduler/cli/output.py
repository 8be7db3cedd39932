"""How commands talk to people and scripts.

With `--json`, standard output carries only JSON; everything for a person (progress,
logs, tables) goes to stderr or to a TTY. Errors are one line, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = 2) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, indent=indent)


def emit_json(value: Any) -> None:
    sys.stdout.write(dumps(value) + "\n")
    sys.stdout.flush()


def emit_json_lines(values: Iterable[Any]) -> None:
    for value in values:
        sys.stdout.write(dumps(value, indent=None) + "\n")
    sys.stdout.flush()


def print_table(table: Table) -> None:
    """A table on stdout: fitted to a terminal, never wrapped or cut when piped."""
    if console.is_terminal:
        console.print(table)
        return
    width = console.measure(table, options=console.options.update_width(10_000)).maximum
    saved = console.width
    console.width = max(saved, width)
    try:
        console.print(table)
    finally:
        console.width = saved


def short_time(value: str | datetime | None) -> str:
    """An ISO 8601 time to the minute, as tables show it (`2025-06-01 10:00 UTC`)."""
    if not value:
        return ""
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError:
        return str(value)
    zone = "" if when.tzinfo is None else f" {when.tzname()}"
    return when.strftime("%Y-%m-%d %H:%M") + zone


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop the command with one readable line on stderr."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def show_progress(json_output: bool) -> bool:
    """Progress bars only for a person watching a terminal."""
    return not json_output and err_console.is_terminal
