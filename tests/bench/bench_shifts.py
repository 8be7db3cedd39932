"""How long one detection run takes over a busy week: python tests/bench/bench_shifts.py"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from notifier.settings import AlertSettings
from notifier.shifts.detect import DetectorState, Observation, detect_shifts

STATUSES = ["stalled", "ongoing", "none", "progress", "ceasefire"]


def main(stories: int = 5000, copies: int = 4) -> None:
    now = datetime(2025, 3, 8, tzinfo=UTC)
    rows = []
    n = 0
    for s in range(stories):
        at = now - timedelta(minutes=(s * 7) % (7 * 24 * 60 + 360))
        for c in range(copies):
            n += 1
            rows.append(Observation(n, s, f"o{(s + c) % 300}.com", STATUSES[s % 5], 0.7, at))
    settings = AlertSettings()
    start = time.perf_counter()
    runs = 5
    for _ in range(runs):
        detect_shifts(rows, DetectorState(), settings, now)
    per_run = (time.perf_counter() - start) / runs
    print(f"{len(rows)} articles in {stories} stories: {per_run * 1000:.1f} ms per detection run")


if __name__ == "__main__":
    main()
