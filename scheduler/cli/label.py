"""`peacewatch label`: a person's correction of one article's reading.

The correction wins at once (the next shift detection reads it), survives
`reclassify`, and becomes a training row for `peacewatch train`
(`crawler.store.corrections`).
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.markup import escape

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import emit_json, err_console, fail


def _login() -> str | None:
    """Who is at the keyboard, as far as the system says; nothing if it cannot say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return None


@app.command()
def label(
    article_id: Annotated[
        str,
        typer.Argument(
            help="The article's id (`peacewatch articles --json`).",
            metavar="ARTICLE_ID",
            show_default=False,
        ),
    ],
    status: Annotated[
        str,
        typer.Argument(
            help="Its status, as a person reads it.", metavar="STATUS", show_default=False
        ),
    ],
    not_relevant: Annotated[
        bool,
        typer.Option("--not-relevant", help="It is not about its topic: leave it out of shifts."),
    ] = False,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Correct one article's reading; it wins at once and survives `reclassify`."""
    from crawler.store.corrections import CorrectionError, check_status, correct
    from crawler.store.db import session_scope

    try:
        check_status(status)  # before the config: a typo needs no database to be told
    except CorrectionError as exc:
        fail(str(exc), code=1)
    digits = article_id.strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) >= 2**63:
        fail(f"no article with id {article_id!r} (ids are whole numbers)", code=1)
    settings = settings_or_exit(config)
    engine = engine_or_exit(settings)
    try:
        with session_scope(engine) as session:
            data = correct(
                session,
                int(digits),
                status,
                relevant=not not_relevant,
                origin="cli",
                author=_login(),
            )
    except CorrectionError as exc:
        fail(str(exc), code=1)
    if json_output:
        emit_json(data)
        return
    relevance = "" if data["relevant"] else ", not about its topic"
    err_console.print(
        f"article {article_id}: {escape(str(data['previous_status']))} -> "
        f"{escape(status)}{relevance} (corrected; shift detection reads it on its next pass)",
        highlight=False,
    )
