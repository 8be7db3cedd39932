"""A poll that outlasts its source's interval: the next one follows it, no skipped runs."""

from __future__ import annotations

import time
from itertools import pairwise

from tests.conftest import write_config

SKIPPED = "maximum number of running instances"


def test_a_poll_slower_than_its_interval_is_followed_not_skipped(tmp_path, farm, daemons):
    config = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{tmp_path / 'pw.db'}",
        sources=[{"name": "slow", "url": farm.feed("slow", delay=2.5), "interval": "1s"}],
        sections={
            "network": {"allow_private": True, "read_timeout": 5, "total_timeout": 8},
            "web": {"port": 0},
            "daemon": {"min_interval": "1s", "max_interval": "1s"},
        },
    )
    daemon = daemons(config).started()
    daemon.wait_for(r"poll slow ok", timeout=15)
    time.sleep(6)
    code, _ = daemon.terminate()
    assert code == 0
    assert not [line for line in daemon.lines if SKIPPED in line], daemon.output()
    hits = farm.of("slow")
    assert len(hits) >= 3
    assert all(b.start >= a.end for a, b in pairwise(hits))  # one at a time
    assert max(b.start - a.end for a, b in pairwise(hits)) < 1.5
