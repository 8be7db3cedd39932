"""mypy on the packages, held to a baseline that only shrinks.

    python .ci/mypy_baseline.py            # fail on any error not in the baseline
    python .ci/mypy_baseline.py --update   # write the baseline (only ever smaller)

Errors are compared without line numbers ("path: message [code]"), as a multiset, so
moving code does not churn the baseline but a new error of the same kind does count.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).with_name("mypy-baseline.txt")
_ERROR = re.compile(r"^(?P<path>[^:]+):\d+(?::\d+)?: error: (?P<rest>.*)$")


def current() -> Counter[str]:
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "crawler", "notifier", "scheduler"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if run.returncode not in (0, 1):
        sys.exit(f"mypy did not run: {run.stderr.strip() or run.stdout.strip()}")
    return Counter(
        f"{m['path']}: {m['rest']}" for line in run.stdout.splitlines() if (m := _ERROR.match(line))
    )


def main() -> int:
    now = current()
    known = (
        Counter(BASELINE.read_text(encoding="utf-8").splitlines())
        if BASELINE.exists()
        else Counter()
    )
    if "--update" in sys.argv:
        grown = now - known
        if grown and known:
            print("refusing to grow the baseline; new errors:", *sorted(grown), sep="\n  ")
            return 1
        BASELINE.write_text("".join(f"{e}\n" for e in sorted(now.elements())), encoding="utf-8")
        print(f"mypy baseline: {sum(now.values())} errors")
        return 0
    new = now - known
    gone = known - now
    if new:
        print("mypy: errors not in the baseline (.ci/mypy-baseline.txt):", *sorted(new), sep="\n  ")
        return 1
    print(f"mypy: {sum(now.values())} errors, none new", end="")
    print(
        f"; {sum(gone.values())} fixed: run `python .ci/mypy_baseline.py --update`" if gone else ""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
