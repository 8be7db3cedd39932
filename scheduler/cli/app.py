"""The Typer application and the options every command shares.

Commands live in `scheduler/commands/`, one module per group; `scheduler.cli`
imports them so they register here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperOption

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


def _flag_type(self: TyperOption, ctx: typer.Context) -> str | None:
    """No `<bool>` beside a flag in --help: a flag takes no value."""
    return None if self.is_flag else _option_type(self, ctx)


_option_type = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign,assignment]


def installed_version() -> str:
    """The installed distribution's version, else the one in pyproject.toml."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("peacewatch")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"peacewatch {installed_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Watch news coverage of a question and get alerted when the reported answer shifts."""
