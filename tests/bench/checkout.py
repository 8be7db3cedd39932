"""A checkout's own code: compiled before it is measured, and run as a side.

An installed package's modules are compiled when pip installs it, as the baselines'
libraries (feedparser, trafilatura) are. A checkout's are compiled when first imported,
unless `PYTHONDONTWRITEBYTECODE` is set (as on the project's machines): then every
fresh process compiles them again, and a fresh-process figure counts compiling against
peacewatch alone. So each checkout is compiled once before any side runs.
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PACKAGES = ("crawler", "scheduler", "notifier")


def precompile(code: Path) -> None:
    for package in PACKAGES:
        compileall.compile_dir(code / package, quiet=1)


def run_side(code: Path, script: str, arguments: list[str]) -> dict[str, Any]:
    """`tests/bench/<script>` of checkout `code` in a fresh process, with `arguments` and
    `--out FILE`: the JSON it writes there, with `spawned`, the time it was started.

    Every process of the side runs the checkout's own code: the fork server imports its
    preloads by the interpreter's path, not the parent's `sys.path`, and that path starts
    with the working directory (it runs `python -c`), then `PYTHONPATH`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        spawned = time.time()
        subprocess.run(
            [sys.executable, str(code / "tests" / "bench" / script), *arguments, "--out", str(out)],
            check=True,
            cwd=code,
            env={**os.environ, "PYTHONPATH": str(code)},
        )
        result: dict[str, Any] = json.loads(out.read_text())
    result["spawned"] = spawned
    return result
