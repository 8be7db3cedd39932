"""Near-duplicate index at scale: query latency and memory at 100,000 and 1,000,000
stored signatures.

Run: python tests/bench/bench_lsh_scale.py [--sizes 100000 1000000] [--queries 10000]

Signatures are random (computing a million MinHashes from text is the other
benchmark's job, `bench_dedup.py`); a tenth of the queries are edited copies of stored
signatures. Latency is the index lookup the ingest path makes for each new article
(candidates from all 42 bands). Targets: p99 <= 5 ms at 1,000,000, memory linear.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.dedup.bands import BandIndex
from crawler.dedup.index import lsh_params
from crawler.settings import DedupSettings


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=10_000)
    args = parser.parse_args()
    settings = DedupSettings()
    bands, rows = lsh_params(settings.threshold, settings.num_perm)
    rng = np.random.default_rng(11)
    print(f"{bands} bands x {rows} rows, {settings.num_perm} permutations")
    for size in args.sizes:
        sigs = rng.integers(0, 2**32, size=(size, settings.num_perm), dtype=np.uint32)
        before = rss_mb()
        index = BandIndex(bands, rows)
        started = time.perf_counter()
        index.insert_many(np.arange(size), sigs)
        built = time.perf_counter() - started
        grown = rss_mb() - before
        probes = sigs[rng.integers(0, size, args.queries)].copy()
        edited = rng.random(args.queries) < 0.1
        probes[edited, 3:] ^= np.uint32(0xFFFF)  # copies sharing one band
        probes[~edited] = rng.integers(0, 2**32, size=(int((~edited).sum()), settings.num_perm))
        latencies = []
        for probe in probes:
            t = time.perf_counter()
            index.query(probe)
            latencies.append(time.perf_counter() - t)
        p50, p99 = np.percentile(latencies, [50, 99]) * 1000
        print(
            f"{size:>9,} signatures: built in {built:5.1f} s, index memory {grown:7.1f} MB "
            f"({grown * 1e6 / size:5.0f} B/article), query p50 {p50:.3f} ms, p99 {p99:.3f} ms"
        )
        del index, sigs


if __name__ == "__main__":
    main()
