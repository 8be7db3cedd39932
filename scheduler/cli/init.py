"""`peacewatch init` and `peacewatch db upgrade`."""

from __future__ import annotations

from typing import Annotated

import typer

from scheduler.cli.app import ConfigOption, app
from scheduler.cli.context import settings_or_exit
from scheduler.cli.output import err_console, fail

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def init(
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented default config watching the Russia–Ukraine peace talks.

    Every setting is written under its description, with its default (or, switched
    off, an example); a run without any config file runs exactly this file.
    """
    from scheduler.config import DEFAULT_PATH, default_config

    path = config or DEFAULT_PATH
    if path.exists() and not force:
        fail(f"{path} already exists (use --force to overwrite)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(default_config(), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    err_console.print(f"wrote {path}; next: [bold]peacewatch crawl --config {path}[/]")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply schema migrations (also done automatically at start)."""
    from scheduler.database import DatabaseError, current_revision, open_database

    settings = settings_or_exit(config)
    try:
        engine = open_database(settings.database.url)
    except DatabaseError as exc:
        fail(str(exc))
    err_console.print(f"database at revision {current_revision(engine)}")
