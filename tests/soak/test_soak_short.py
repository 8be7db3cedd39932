"""The soak in short (about 45 s): the daemon against 40 faulty feeds with a 5-second outage.

Same faults and the same checks as the full run (`python -m tests.soak.soak`, see
`tests/soak/soak.py`): every served item stored exactly once, every raised shift and
every alert delivered exactly once, nothing owed at the end, exit status 0.

Memory is measured but not held to the 15 % bound here: in 45 s the daemon is still
warming up (imports on first use, the near-duplicate index and SQLAlchemy's caches
filling, the extraction pool), so growth after 10 s says nothing about a leak. The
10-minute run holds it, from its first minute on.
"""

from __future__ import annotations

from pathlib import Path

from tests.soak.soak import SoakConfig, run_soak


def test_daemon_under_faults_loses_nothing_and_alerts_once(tmp_path: Path) -> None:
    result = run_soak(
        SoakConfig(
            duration=45,
            feeds=40,
            interval=2.0,
            item_every=8.0,
            quiet_tail=10.0,  # past the longest backoff (8 s): feeds polled after their last item
            outage_at=22.0,
            outage_for=5.0,
            workdir=tmp_path,
            memory_after=10.0,
            memory_growth=None,
        )
    )
    print(result.report())
    assert result.problems == [], result.report()
    assert sum(result.polls.values()) >= 500, result.report()
    assert result.served > 100 and result.shifts_raised >= 1, result.report()
