"""The daemon's own cost: `peacewatch run` against 300 local feeds, measured from outside.

Run: python tests/bench/bench_daemon.py [--feeds 300] [--rounds 3] [--code DIR]...

Starts the real daemon (`python -m scheduler run`) as a subprocess on an empty SQLite
database, against a local feed server in its own process, and prints:

- resident memory of the daemon and every process under it (fork server, workers),
  summed two ways: RSS (what `ps` shows; shared pages counted in each process) and PSS
  (shared pages split between their sharers: the honest total), after the first full
  round (every feed polled and parsed, the relevant items ingested) and after a few
  rounds of 304s;
- CPU of all those processes per poll: over the first round (fresh process, empty
  database: fetch, parse, ingest) and over `--rounds` later rounds, where every feed
  answers 304 (warm process; the window opens one round after the first, once its shift
  detection is over), divided by the polls the daemon logged in that window;
- the same for a second daemon started on the database the first left (fresh process,
  warm database: its first round is 304s too), start-up CPU apart.

`--code DIR` (repeatable) runs the daemon from another checkout too, interleaved run by
run with this one (`--runs`), so a before/after comparison is like for like; medians
of the runs are printed per checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.checkout import precompile  # noqa: E402
from tests.bench.feedserver import FeedServer, make_feeds  # noqa: E402
from tests.soak.soak import descendants  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
JSON_LOGS = ("--log-format", "json")
ROUNDS = (("after the first round", "mem_first"), ("after the 304 rounds", "mem_later"))


def tree(pid: int) -> list[int]:
    return [pid, *descendants(pid)]


def cpu_seconds(pid: int) -> float:
    """CPU of the process tree: live processes' own time plus the reaped children's
    (a worker that exited is counted in its parent's cutime/cstime)."""
    total = 0.0
    for n, each in enumerate(tree(pid)):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if n == 0:
            total += int(fields[13]) + int(fields[14])
    return total / TICKS


def memory_kb(pid: int) -> tuple[int, int, int]:
    """Summed RSS and PSS (kB) of the tree, and how many processes it has."""
    rss = pss = count = 0
    for each in tree(pid):
        try:
            text = Path(f"/proc/{each}/smaps_rollup").read_text()
        except OSError:
            continue
        count += 1
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss, pss, count


class Log:
    """The daemon's JSON log lines, read as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.polls: list[tuple[float, str, str]] = []  # (seen at, source, outcome)
        self.started = False

    def read(self) -> None:
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        now = time.monotonic()
        for line in data[:end].splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == "poll":
                self.polls.append((now, record["source"], record["outcome"]))
            elif record.get("event") == "start":
                self.started = True

    def polled(self) -> set[str]:
        return {source for _, source, _ in self.polls}


def wait(log: Log, proc: subprocess.Popen[bytes], until: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not until():  # type: ignore[operator]
        if proc.poll() is not None:
            raise SystemExit(f"the daemon exited ({proc.returncode}); see {log.path}")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for the daemon; see {log.path}")
        time.sleep(0.05)
        log.read()


def write_config(path: Path, database: str, base: str, paths: list[str], interval: int) -> None:
    lines = [
        "[database]",
        f'url = "{database}"',
        "[network]",
        "allow_private = true",
        "[web]",
        "port = 0",
        "[daemon]",
        "adaptive = false",
        "full_fetch_every = 1000",
    ]
    for n, p in enumerate(paths):
        lines += ["[[sources]]", f'name = "feed{n}"', f'url = "{base}{p}"']
        lines.append(f'interval = "{interval}s"')
    path.write_text("\n".join(lines) + "\n")


@dataclass
class Run:
    fresh_seconds: float = 0.0
    fresh_cpu_ms: float = 0.0  # per poll, first round, empty database
    mem_first: tuple[int, int, int] = (0, 0, 0)
    mem_later: tuple[int, int, int] = (0, 0, 0)
    warm_cpu_ms: float = 0.0  # per 304 poll, later rounds
    warm_polls: int = 0
    restart_start_cpu: float = 0.0  # seconds, start-up to the first poll
    restart_cpu_ms: float = 0.0  # per 304 poll, first round of a fresh process
    outcomes: dict[str, int] = field(default_factory=dict)


def start(code: Path, config: Path, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "scheduler", "run", "--config", str(config), *JSON_LOGS],
            cwd=code,
            env={**os.environ, "PYTHONPATH": str(code), "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def one_run(code: Path, base: str, paths: list[str], rounds: int, interval: int) -> Run:
    run = Run()
    with tempfile.TemporaryDirectory(prefix="peacewatch-bench-daemon-") as tmp:
        work = Path(tmp)
        config = work / "peacewatch.toml"
        write_config(config, f"sqlite:///{work / 'bench.db'}", base, paths, interval)
        names = {f"feed{n}" for n in range(len(paths))}

        # A fresh process on an empty database.
        log = Log(work / "daemon.log")
        proc = start(code, config, log.path)
        try:
            wait(log, proc, lambda: log.started, 120)
            c0, t0 = cpu_seconds(proc.pid), time.monotonic()
            wait(log, proc, lambda: log.polled() >= names, 300)
            run.fresh_seconds = time.monotonic() - t0
            run.fresh_cpu_ms = (cpu_seconds(proc.pid) - c0) / len(log.polls) * 1000
            time.sleep(1.0)  # the first round's detection and delivery settle
            run.mem_first = memory_kb(proc.pid)
            # Rounds of 304s: the window opens after a whole round more, once the first
            # round's shift detection has settled.
            first = len(log.polls)
            wait(log, proc, lambda: len(log.polls) >= first + len(paths), 4 * interval + 60)
            mark = len(log.polls)
            c0 = cpu_seconds(proc.pid)
            wait(log, proc, lambda: len(log.polls) >= mark + rounds * len(paths), 600)
            used = cpu_seconds(proc.pid) - c0
            window = log.polls[mark:]
            run.warm_polls = len(window)
            run.warm_cpu_ms = used / len(window) * 1000
            for _, _, outcome in window:
                run.outcomes[outcome] = run.outcomes.get(outcome, 0) + 1
            run.mem_later = memory_kb(proc.pid)
        finally:
            stop(proc)

        # A fresh process on the database the first left: its first round is 304s.
        log = Log(work / "daemon2.log")
        proc = start(code, config, log.path)
        try:
            wait(log, proc, lambda: bool(log.polls), 120)
            run.restart_start_cpu = cpu_seconds(proc.pid)
            mark = len(log.polls)
            c0 = run.restart_start_cpu
            wait(log, proc, lambda: log.polled() >= names, 120)
            run.restart_cpu_ms = (cpu_seconds(proc.pid) - c0) / (len(log.polls) - mark) * 1000
        finally:
            stop(proc)
    return run


def report(label: str, runs: list[Run], feeds: int) -> None:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    mb = 1024.0
    print(f"\n{label}  (median of {len(runs)} runs)")
    print(
        f"  first round (fresh process, empty db): {med([r.fresh_seconds for r in runs]):.1f} s, "
        f"CPU {med([r.fresh_cpu_ms for r in runs]):.1f} ms/poll (fetch, parse, ingest)"
    )
    for what, attr in ROUNDS:
        rss = med([getattr(r, attr)[0] / mb for r in runs])
        pss = med([getattr(r, attr)[1] / mb for r in runs])
        procs = med([getattr(r, attr)[2] for r in runs])
        print(f"  memory {what}: RSS {rss:.0f} MB, PSS {pss:.0f} MB (summed), {procs:g} processes")
    outcomes: dict[str, int] = {}
    for r in runs:
        for k, v in r.outcomes.items():
            outcomes[k] = outcomes.get(k, 0) + v
    print(
        f"  304 rounds (warm process): CPU {med([r.warm_cpu_ms for r in runs]):.2f} ms/poll "
        f"over {med([r.warm_polls for r in runs]):g} polls, all processes ({outcomes})"
    )
    print(
        f"  restart on the same db (fresh process): start-up "
        f"{med([r.restart_start_cpu for r in runs]):.2f} s CPU, first round of 304s "
        f"{med([r.restart_cpu_ms for r in runs]):.2f} ms/poll"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 304s measured")
    parser.add_argument("--interval", type=int, default=15, help="seconds between polls")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        default=[],
        help="another checkout to run interleaved with this one",
    )
    args = parser.parse_args()
    feeds = make_feeds(args.feeds)
    paths = list(feeds)
    codes = [ROOT, *[c.resolve() for c in args.code]]
    for code in codes:
        precompile(code)
    results: dict[Path, list[Run]] = {c: [] for c in codes}
    with FeedServer(feeds) as server:
        time.sleep(0.3)
        for _ in range(args.runs):
            for code in codes:
                results[code].append(one_run(code, server.base, paths, args.rounds, args.interval))
    entries = sum(body.count(b"<item>") for body in feeds.values())
    print(
        f"{args.feeds} local feeds, {entries} entries; every {args.interval} s; "
        f"{os.cpu_count()} cores; memory: the daemon and every process under it"
    )
    for code in codes:
        report(str(code), results[code], args.feeds)
    if len(codes) > 1:
        ours = results[ROOT]
        for code in codes[1:]:
            theirs = results[code]
            ratios = [a.warm_cpu_ms / b.warm_cpu_ms for a, b in zip(ours, theirs, strict=True)]
            pss = [a.mem_later[1] / b.mem_later[1] for a, b in zip(ours, theirs, strict=True)]
            print(
                f"\nthis checkout / {code}: CPU per 304 poll {statistics.median(ratios):.2f}x, "
                f"PSS after the 304 rounds {statistics.median(pss):.2f}x (medians of ratios)"
            )


if __name__ == "__main__":
    main()
