"""Feed path: a peacewatch crawl of local feeds beside a sequential feedparser loop.

Run: python tests/bench/bench_feeds.py [--feeds 300] [--runs 3] [--code DIR]
(`reader`, the peer, comes with `pip install '.[bench]'`; without it its row is left out.)

Every side runs in a fresh process, in a new random order each run (seeded by the run's
number), against the same local feeds (tests/bench/feedserver.py, its own process),
and does its work twice: the first round is the fresh-process figure (wall time
counted from the spawn, so interpreter start and imports are in it), the second the
warm one (same process, workers and caches warm, a fresh database again). CPU is that
of the side's whole process tree, read from /proc: the side's process, and for
peacewatch its fork server, parsing workers and resource tracker (live ones directly,
exited ones through their parents' counts of waited children). Sides:

- loop: `feedparser.parse(url)` over the feeds one after another, with peacewatch's
  parse options (`sanitize_html=False, resolve_relative_uris=False`);
- bare: `feedparser.parse(body)` on the same bytes, same options, no I/O at all;
- bare-fast: `fastfeedparser.parse(body)` on the same bytes: the parser peacewatch reads
  well-formed feeds with (feedparser reads the rest), for reference; the targets stay
  against `bare`, the parse a feed reader without the fast path pays;
- peacewatch: `Crawl.run` with a fresh SQLite database (poll, parse, ingest with the
  default topic, whose relevance is the learned model's); then, in the first round,
  the same crawl again (every feed answers 304);
- pw-query: the same with the topic's relevance decided by its query alone
  (`relevance = "query"`), which shows what the feed path costs without the model;
- pw-all: a topic whose query matches everything (`query = [["*"]]`, `relevance =
  "query"`): every entry stored, as `reader` stores them, and each one's status read
  with the rules (`reader` reads none), the like-for-like peer of `reader`;
- reader: the `reader` library as a peer, one fresh SQLite database per round, every
  entry stored, its defaults (its own feedparser options: sanitising on).

`--code DIR` adds `pw-DIR`: the peacewatch side of another checkout (the code before a
change), run by that checkout's own copy of this benchmark, in the same runs.

Quoted: medians of the runs' per-run ratios. Targets: peacewatch's first crawl from a
fresh process >= 1.5x faster than the loop; its CPU (all processes) <= 1.3x of bare
parsing; the unchanged-feeds crawl >= 10x faster than the first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.checkout import precompile, run_side  # noqa: E402
from tests.bench.feedserver import FeedServer, make_feeds  # noqa: E402

OPTIONS = {"sanitize_html": False, "resolve_relative_uris": False}
"""peacewatch's feedparser options (crawler/sources/feed.py), given to the baselines."""
TICKS = os.sysconf("SC_CLK_TCK")
PEACEWATCH, QUERY, ALL = "peacewatch", "pw-query", "pw-all"
OURS = (PEACEWATCH, QUERY, ALL)


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its waited-for children)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) / TICKS


def tree_cpu(root: int | None = None) -> float:
    """CPU seconds of a process and all its descendants, live or exited and waited for."""
    root = root or os.getpid()
    parents: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            parents.setdefault(found[0], []).append(int(entry.name))
            cpu[int(entry.name)] = found[1]
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(parents.get(pid, []))
    return total


def _measure(work: Any) -> dict[str, float]:
    c0, t0 = tree_cpu(), time.perf_counter()
    work()
    return {"wall": time.perf_counter() - t0, "cpu": tree_cpu() - c0, "end": time.time()}


def _loop(base: str, paths: list[str]) -> Any:
    import feedparser

    def work() -> None:
        for path in paths:
            assert feedparser.parse(base + path, **OPTIONS).entries

    return work


def _bare(bodies: list[bytes]) -> Any:
    import feedparser

    def work() -> None:
        for body in bodies:
            assert feedparser.parse(body, **OPTIONS).entries

    return work


def _bare_fast(bodies: list[bytes]) -> Any:
    import fastfeedparser

    def work() -> None:
        for body in bodies:
            assert fastfeedparser.parse(body).entries

    return work


def _topic(name: str) -> Any:
    """The topic a peacewatch side crawls with."""
    from crawler.settings import ClassifierSettings, TopicSettings

    if name == QUERY:
        return TopicSettings(relevance="query")
    if name == ALL:
        return TopicSettings(
            relevance="query", query=[["*"]], classifier=ClassifierSettings(backend="rules")
        )
    return TopicSettings()


def _peacewatch(base: str, paths: list[str], tmp: str, name: str) -> Any:
    from crawler.crawl import Crawl
    from crawler.runtime.loop import run
    from crawler.settings import NetworkSettings, SourceSettings
    from crawler.store.ingest import Ingestor
    from scheduler.database import open_database

    topic = _topic(name)
    sources = [
        SourceSettings(name=f"f{i}", url=base + p, topic=topic.name) for i, p in enumerate(paths)
    ]
    network = NetworkSettings(allow_private=True)
    engines: dict[str, Any] = {}
    stored: list[int] = []

    def crawl(database: str) -> None:
        if database not in engines:
            engines[database] = open_database(f"sqlite:///{tmp}/{database}.db")
        report = run(Crawl(engines[database], Ingestor([topic]), network).run(sources))
        assert not report.errors, report.errors
        stored.append(report.new_articles)

    crawl.stored = stored  # type: ignore[attr-defined]
    return crawl


def _reader(base: str, paths: list[str], tmp: str) -> Any:
    from reader import make_reader

    def crawl(database: str) -> None:
        with make_reader(f"{tmp}/{database}.sqlite") as reader:
            for path in paths:
                reader.add_feed(base + path)
            reader.update_feeds()
            assert reader.get_entry_counts().total

    return crawl


def side(name: str, base: str, count: int, out: Path) -> None:
    """One side in this fresh process: two rounds (fresh, warm)."""
    c0 = tree_cpu()
    feeds = make_feeds(count)
    excluded = tree_cpu() - c0  # making the feeds is the bench's work, not the side's
    paths, result = list(feeds), {}
    with tempfile.TemporaryDirectory() as tmp:
        if name == "loop":
            rounds = [_loop(base, paths)] * 2
        elif name == "bare":
            rounds = [_bare(list(feeds.values()))] * 2
        elif name == "bare-fast":
            rounds = [_bare_fast(list(feeds.values()))] * 2
        else:
            if name == "reader":
                crawl = _reader(base, paths, tmp)
            else:
                crawl = _peacewatch(base, paths, tmp, name)
            rounds = [lambda: crawl("first"), lambda: crawl("warm")]
        result["startup_cpu"] = tree_cpu() - excluded
        result["fresh"] = _measure(rounds[0])
        if name in OURS:
            result["unchanged"] = _measure(lambda: crawl("first"))
        result["warm"] = _measure(rounds[1])
        if name in OURS:
            result["stored"] = crawl.stored[0]  # type: ignore[attr-defined]
    result["process_cpu"] = tree_cpu() - excluded
    out.write_text(json.dumps(result))


def _run_side(name: str, base: str, count: int, code: Path = ROOT) -> dict[str, Any]:
    arguments = ["--side", name, "--base", base, "--feeds", str(count)]
    result = run_side(code, "bench_feeds.py", arguments)
    result["fresh_wall_from_spawn"] = result["fresh"]["end"] - result["spawned"]
    result["fresh_cpu_from_spawn"] = result["startup_cpu"] + result["fresh"]["cpu"]
    return result


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help="another checkout's peacewatch, beside")
    args = parser.parse_args()
    if args.side:
        side(args.side, args.base, args.feeds, args.out)
        return
    sides = ["loop", "bare", "bare-fast", *OURS]
    sides += ["reader"] if _available("reader") else []
    other = f"pw-{args.code.resolve().name}" if args.code else None
    sides += [other] if other else []
    for code in (ROOT, *([args.code.resolve()] if args.code else [])):
        precompile(code)
    feeds = make_feeds(args.feeds)
    entries = sum(body.count(b"<item>") for body in feeds.values())
    print(f"{args.feeds} feeds, {entries} entries, {sum(map(len, feeds.values())) / 1e6:.1f} MB")
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
    with FeedServer(feeds) as server:
        time.sleep(0.3)
        for attempt in range(args.runs):
            # A new order every run: in a rotation each side always followed the same one
            # (pw-OLD the long single-core `reader`), so whatever a side leaves behind for
            # the next (caches, clock speed) favoured the same side in every run.
            order = random.Random(attempt).sample(sides, len(sides))
            for name in order:
                if name == other:
                    result = _run_side(PEACEWATCH, server.base, args.feeds, args.code.resolve())
                else:
                    result = _run_side(name, server.base, args.feeds)
                runs[name].append(result)
            line = ", ".join(
                f"{n} {runs[n][-1]['fresh_wall_from_spawn']:.2f}/{runs[n][-1]['warm']['wall']:.2f}"
                for n in sides
            )
            print(f"run {attempt + 1} (order {', '.join(order)}), wall s fresh/warm: {line}")
    _report(runs, sides, other)


def figure(result: dict[str, Any], key: str) -> float:
    """One figure of a run's result, by its dotted key (`warm.cpu`)."""
    value: Any = result
    for part in key.split("."):
        value = value[part]
    return float(value)


def median_of(runs: dict[str, list[dict[str, Any]]], name: str, key: str) -> float:
    """The median over one side's runs of one figure."""
    return statistics.median(figure(r, key) for r in runs[name])


def _report(runs: dict[str, list[dict[str, Any]]], sides: list[str], other: str | None) -> None:
    get = figure

    def med(name: str, key: str) -> float:
        return median_of(runs, name, key)

    def ratio(a: str, b: str, key: str, key_b: str | None = None) -> float:
        pairs = zip(runs[a], runs[b], strict=True)
        return statistics.median(get(x, key) / get(y, key_b or key) for x, y in pairs)

    print(f"\nmedians of {len(runs['loop'])} runs; CPU = the side's whole process tree")
    print(f"{'':12} {'fresh wall':>11} {'fresh CPU':>10} {'warm wall':>10} {'warm CPU':>9}")
    for name in sides:
        print(
            f"{name:12} {med(name, 'fresh_wall_from_spawn'):10.2f}s "
            f"{med(name, 'fresh_cpu_from_spawn'):9.2f}s {med(name, 'warm.wall'):9.2f}s "
            f"{med(name, 'warm.cpu'):8.2f}s"
        )
    print("(fresh: from the spawn to the end of the first round, start-up and imports in;")
    print(" warm: the second round in the same process)")
    for name in (*OURS, *([other] if other else [])):
        print(f"\n{name}: stored {runs[name][-1]['stored']} articles a crawl")
        fresh = ratio("loop", name, "fresh_wall_from_spawn")
        warm = ratio("loop", name, "warm.wall")
        print(
            f"  first crawl vs loop, wall: {fresh:.2f}x faster fresh, {warm:.2f}x warm (target 1.5)"
        )
        fresh = ratio(name, "bare", "fresh_cpu_from_spawn")
        warm = ratio(name, "bare", "warm.cpu")
        round_only = ratio(name, "bare", "fresh.cpu")
        print(
            f"  crawl CPU vs bare parse CPU: {fresh:.2f}x fresh (start-up in), {round_only:.2f}x "
            f"first round alone, {warm:.2f}x warm (target <= 1.3x)"
        )
        unchanged = ratio(name, name, "fresh.wall", "unchanged.wall")
        print(f"  unchanged feeds (304): {unchanged:.1f}x faster than the first crawl (target 10x)")
    if "reader" in sides:
        for name in OURS:
            fresh = ratio("reader", name, "fresh_wall_from_spawn")
            cpu = ratio("reader", name, "warm.cpu")
            print(
                f"reader (stores every entry, sanitising on): {fresh:.2f}x {name}'s wall "
                f"fresh, {cpu:.2f}x its CPU warm"
            )
    if other:
        fresh = ratio(other, PEACEWATCH, "fresh_cpu_from_spawn")
        warm = ratio(other, PEACEWATCH, "warm.cpu")
        print(f"{other}: {fresh:.2f}x this checkout's CPU fresh, {warm:.2f}x warm")


if __name__ == "__main__":
    main()
