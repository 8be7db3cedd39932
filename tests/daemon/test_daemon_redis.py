"""Redis restarted without its data under a running daemon (issue 18, item 11).

The shared near-duplicate index was loaded once at start; a Redis that comes back
empty used to leave the daemon blind to copies until it restarted. The daemon must
notice the index is gone (its marker key with it) and rebuild it from the database,
so a copy published after the restart still joins its story.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CLI, write_config
from tests.daemon.conftest import Daemon
from tests.feeds import Entry
from tests.redis_server import RedisServer
from tests.servers import Response

REPORT = (
    "Russian and Ukrainian delegations met in Istanbul on Monday for a new round of "
    "peace talks brokered by Turkey, the first direct contact in several weeks. "
    "Officials in Kyiv said the negotiators discussed a prisoner exchange, the return "
    "of deported children and a possible moratorium on strikes against energy "
    "infrastructure, while the Kremlin said its delegation had presented a memorandum "
    "setting out conditions for a ceasefire. Both sides agreed to meet again but gave "
    "no date, and Turkish mediators described the atmosphere as tense but workable."
)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


def _after(daemon: Daemon, start: int, pattern: str, timeout: float = 30) -> int:
    """The index of the first stderr line from `start` on matching `pattern`."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, line in enumerate(list(daemon.lines)[start:], start):
            if regex.search(line):
                return i
        time.sleep(0.05)
    raise AssertionError(f"no line matching {pattern!r}:\n{daemon.output()}")


def test_redis_restarted_empty_is_rebuilt_and_copies_still_join_their_story(
    tmp_path, farm, daemons, redis_server
) -> None:
    url = farm.feed("wire", entries=0)
    entries = farm.entries["/wire.xml"]
    entries.append(Entry("Russia and Ukraine hold talks in Istanbul", f"{url}/a", REPORT))
    config = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{tmp_path / 'pw.db'}",
        sources=[{"name": "wire", "url": url, "interval": "1s"}],
        sections={
            "network": {"allow_private": True},
            "web": {"port": 0},
            "dedup": {"redis_url": redis_server.url},
            "daemon": {"jitter": 0, "min_interval": "1s", "max_interval": "2s"},
        },
    )
    daemon = daemons(config).started()
    seen = _after(daemon, 0, r"poll wire ok .*new=1")
    assert redis_server.keys() > 0  # the index is in Redis

    # No poll reaches ingest while Redis restarts: the feed answers 503 meanwhile.
    farm.modes["/wire.xml"] = lambda _request: Response(503, b"busy")
    seen = _after(daemon, seen + 1, r"poll wire failed")
    redis_server.kill()
    redis_server.start()
    assert redis_server.keys() == 0
    entries.append(
        Entry(
            "Moscow and Kyiv resume peace talks in Istanbul",
            f"{url}/b",
            REPORT.replace("Monday", "Tuesday").replace("tense", "difficult"),
        )
    )
    del farm.modes["/wire.xml"]
    _after(daemon, seen + 1, r"poll wire ok .*new=1")

    stories = CLI(config)("stories", "--json").json()
    assert [(s["articles"], s["outlets"]) for s in stories] == [(2, 1)], stories
    output = "\n".join(daemon.lines)
    assert "was empty (Redis restarted without its data)" in output
    assert "Traceback" not in output
