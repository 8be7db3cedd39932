"""The worker processes (and the fork server and resource tracker) end with their owner.

Whether the owner exits normally or is killed outright (SIGKILL, or pytest-timeout's
`os._exit`), nothing it started may stay behind, re-parented to init. Every process
started from the probe carries a marker in its environment; none may be left.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import asyncio, os, signal, sys
from crawler.runtime.workers import run_in_worker, warm_up
asyncio.run(warm_up())
assert asyncio.run(run_in_worker(abs, -2)) == 2
if sys.argv[1] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
"""


def marked(marker: str) -> list[int]:
    """Live processes whose environment carries `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("end", ["exit", "kill"])
def test_nothing_the_worker_pool_started_outlives_its_owner(end: str, tmp_path: Path) -> None:
    marker = f"PEACEWATCH_PROBE={uuid.uuid4().hex}"
    name, _, value = marker.partition("=")
    env = {**os.environ, "PYTHONPATH": str(ROOT), name: value}
    log = tmp_path / "stderr"
    with log.open("wb") as stderr:  # a file: survivors holding a pipe would hang the run
        code = subprocess.call(
            [sys.executable, "-c", PROBE, end],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            timeout=60,
        )
    assert code == (-9 if end == "kill" else 0), log.read_text()[-2000:]
    deadline = time.monotonic() + 5
    while (left := marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [Path(f"/proc/{pid}/cmdline").read_bytes()[:100] for pid in left]
