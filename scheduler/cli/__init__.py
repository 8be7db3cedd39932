"""Entry point of the `peacewatch` command."""

from __future__ import annotations

import sys

from scheduler.cli import (  # noqa: F401  (register commands)
    alerts,
    classify,
    crawl,
    extract,
    init,
    label,
    query,
    run,
    serve,
    shifts,
)
from scheduler.cli.app import app


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
