"""Articles per second for the readings: `python tests/bench/bench_reading.py`.

Reads the labelled corpus's real headlines and ledes (3,600+ items, repeated to
`--items`) through the default topic's relevance gate and the learned status reader,
the two readings ingest makes per article, beside the rules classifier on the same
items. Prints, for each reader:

- fresh: a new Python process that imports, loads the model and reads every item
  (wall time and CPU of that process);
- warm, one core: the same reads in this process once loaded (CPU time);
- warm, two cores: two worker processes, each loading once, sharing the items
  (wall time; CPU of both workers).

Interleaved: readers alternate within each of `--runs` rounds; medians are quoted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawler.status import corpus  # noqa: E402

READERS = ("model", "rules")


def _items(n: int) -> list[tuple[str, str]]:
    base = [(i.title, i.text) for i in corpus.items()]
    return [base[k % len(base)] for k in range(n)]


def _reader(name: str):  # type: ignore[no-untyped-def]
    if name == "rules":
        from crawler.settings import TopicSettings
        from crawler.status.relevance import RelevanceGate
        from crawler.status.rules import RulesClassifier

        rules = RulesClassifier()
        gate = RelevanceGate(TopicSettings(relevance="query"))
    else:
        from crawler.settings import TopicSettings
        from crawler.status.backend import make_gate, reader_for

        topic = TopicSettings()
        rules = reader_for(topic)
        gate = make_gate(topic)

    def read(title: str, text: str) -> str:
        if not gate.is_relevant(title, text):
            return "none"
        return rules(title, text).status

    return read


def _read_all(args: tuple[str, list[tuple[str, str]]]) -> float:
    name, items = args
    read = _reader(name)
    started = time.process_time()
    for title, text in items:
        read(title, text)
    return time.process_time() - started


def _fresh(name: str, n: int) -> tuple[float, float]:
    code = (
        f"import sys, time, resource; sys.path.insert(0, {str(ROOT)!r});"
        "from tests.bench.bench_reading import _items, _read_all;"
        f"_read_all(({name!r}, _items({n})));"
        "u = resource.getrusage(resource.RUSAGE_SELF); print(u.ru_utime + u.ru_stime)"
    )
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return time.perf_counter() - started, float(out.stdout.strip())


def _two_cores(name: str, items: list[tuple[str, str]]) -> tuple[float, float]:
    half = len(items) // 2
    with get_context("spawn").Pool(2, initializer=_reader, initargs=(name,)) as pool:
        pool.map(_read_all, [(name, items[:10]), (name, items[:10])])  # load once each
        started = time.perf_counter()
        cpu = pool.map(_read_all, [(name, items[:half]), (name, items[half:])])
        return time.perf_counter() - started, sum(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = _items(args.items)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    rows: dict[str, dict[str, list[float]]] = {r: {} for r in READERS}
    for _ in range(args.runs):
        for name in READERS:
            wall, cpu = _fresh(name, len(items))
            rows[name].setdefault("fresh items/s (wall)", []).append(len(items) / wall)
            rows[name].setdefault("fresh CPU s", []).append(cpu)
            rows[name].setdefault("warm 1 core items/s (CPU)", []).append(
                len(items) / _read_all((name, items))
            )
            wall2, cpu2 = _two_cores(name, items)
            rows[name].setdefault("warm 2 cores items/s (wall)", []).append(len(items) / wall2)
            rows[name].setdefault("warm 2 cores CPU ms/item", []).append(cpu2 / len(items) * 1e3)
    print(f"{len(items)} real headlines and ledes, {args.runs} interleaved runs, medians")
    metrics = list(rows["model"])
    print(f"{'':<30}" + "".join(f"{r:>12}" for r in READERS))
    for metric in metrics:
        values = [statistics.median(rows[r][metric]) for r in READERS]
        print(f"{metric:<30}" + "".join(f"{v:>12.1f}" for v in values))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
