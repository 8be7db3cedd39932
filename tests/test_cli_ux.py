"""The CLI as a person meets it: quick to start, readable output, sane messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "scrapy", "fastapi", "alembic", "datasketch", "sqlalchemy")

_PROBE = """
import sys
sys.argv = ["peacewatch", "--help"]
from scheduler.cli import main
try:
    main()
except SystemExit:
    pass
print("MODULES", *sorted({m.split(".")[0] for m in sys.modules}))
"""


def test_cli_help_loads_no_heavy_dependency(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    loaded = set(line.split()[1:])
    assert "typer" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
