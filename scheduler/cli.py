"""Entry point of the `peacewatch` command."""

from __future__ import annotations

import sys

from scheduler.app import app
from scheduler.commands import crawl, init, query, run  # noqa: F401  (register commands)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
