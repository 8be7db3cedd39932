"""CLI start-up: how long short `peacewatch` commands take, against bare Typer + Rich.

Run: python tests/bench/bench_cli_start.py [--rounds 7] [--repo PATH]

Each case runs in a fresh process, the cases interleaved round by round, and the
baseline is `python -c "import typer, rich"` measured in the same rounds. Prints
each case's median wall time and its difference from the baseline's median.
Targets (difference from the baseline): `--help` <= 0.3 s; `status`, `articles`
and `classify` of one short text file <= 1 s; `crawl` of one local feed (served
from a thread in this process) <= 1.5 s. `--repo` measures another checkout
(e.g. an export of an older commit) with the same cases. Exit 1 if a target fails.
"""

from __future__ import annotations

import argparse
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>bench</title><link>http://127.0.0.1/</link>
<description>bench</description>
<item><title>Kremlin says peace talks with Kyiv are stalled</title>
<link>http://127.0.0.1/a1.html</link><guid>a1</guid>
<pubDate>Sun, 01 Jun 2025 10:00:00 GMT</pubDate>
<description>Russian and Ukrainian negotiators failed to reach a breakthrough in
Istanbul, officials in Moscow and Kyiv said.</description></item>
<item><title>Zelensky and Putin envoys agree to a prisoner swap after talks</title>
<link>http://127.0.0.1/a2.html</link><guid>a2</guid>
<pubDate>Sun, 01 Jun 2025 11:00:00 GMT</pubDate>
<description>Ukraine and Russia agreed to exchange prisoners after a new round of
talks, the Kremlin said.</description></item>
</channel></rss>
"""

ARTICLE = """Russia-Ukraine peace talks stall in Istanbul
Ukrainian and Russian delegations met in Istanbul on Monday, but officials in Kyiv
and Moscow said no breakthrough was reached and the talks remain deadlocked.
"""

TARGETS = {"--help": 0.3, "status": 1.0, "articles": 1.0, "classify": 1.0, "crawl": 1.5}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    def handler(*args: object, **kwargs: object) -> _Quiet:
        return _Quiet(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def _cases(work: Path, config: Path) -> dict[str, list[str]]:
    cli = [sys.executable, "-m", "scheduler"]
    return {
        "baseline": [sys.executable, "-c", "import typer, rich"],
        "--help": [*cli, "--help"],
        "status": [*cli, "status", "--config", str(config)],
        "articles": [*cli, "articles", "--config", str(config)],
        "classify": [*cli, "classify", str(work / "article.txt")],
        "crawl": [*cli, "crawl", "--config", str(config), "--no-alerts"],
    }


def _time(command: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[2:])}: exit {done.returncode}\n{done.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peacewatch-bench-") as tmp:
        work = Path(tmp)
        site = work / "site"
        site.mkdir()
        (site / "feed.xml").write_text(FEED, encoding="utf-8")
        (work / "article.txt").write_text(ARTICLE, encoding="utf-8")
        server, port = _serve(site)
        config = work / "peacewatch.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{work / "bench.db"}"\n\n'
            f'[[sources]]\nname = "local"\nkind = "feed"\n'
            f'url = "http://127.0.0.1:{port}/feed.xml"\ninterval = "15m"\n'
            "fetch_articles = false\n",
            encoding="utf-8",
        )
        env = {**os.environ, "PYTHONPATH": str(args.repo.resolve())}
        env.pop("PEACEWATCH_CONFIG", None)
        cases = _cases(work, config)
        # Warm-up: creates and migrates the database, fills the OS file cache.
        for command in cases.values():
            _time(command, env, work)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, command in cases.items():
                times[name].append(_time(command, env, work))
        server.shutdown()
    base = statistics.median(times["baseline"])
    print(f"{'case':<10} {'median s':>9} {'- baseline':>11} {'target':>7}")
    ok = True
    for name, values in times.items():
        median = statistics.median(values)
        if name == "baseline":
            print(f"{name:<10} {median:>9.3f}")
            continue
        delta, target = median - base, TARGETS[name]
        passed = delta <= target
        ok &= passed
        mark = "ok" if passed else "MISSED"
        print(f"{name:<10} {median:>9.3f} {delta:>+11.3f} {target:>6.1f}s {mark}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
