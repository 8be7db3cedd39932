"""A checkout's own code, compiled before it is measured.

An installed package's modules are compiled when pip installs it, as the baselines'
libraries (feedparser, trafilatura) are. A checkout's are compiled when first imported,
unless `PYTHONDONTWRITEBYTECODE` is set (as on the project's machines): then every
fresh process compiles them again, and a fresh-process figure counts compiling against
peacewatch alone. So each checkout is compiled once before any side runs.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGES = ("crawler", "scheduler", "notifier")


def precompile(code: Path) -> None:
    for package in PACKAGES:
        compileall.compile_dir(code / package, quiet=1)
