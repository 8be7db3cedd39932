"""The Typer application and the options every command shares.

Commands live in `scheduler/commands/`, one module per group; `scheduler.cli`
imports them so they register here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="peacewatch",
    help="Watch news coverage of a question and get alerted when the reported answer shifts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $PEACEWATCH_CONFIG, then ./peacewatch.toml, "
        "then the built-in default).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON on stdout (logs and progress go to stderr).")
]
