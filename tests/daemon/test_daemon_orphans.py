"""A daemon killed with SIGKILL takes its worker processes with it.

The parsing workers are forked by multiprocessing's fork server; killed, the daemon
can clean up nothing, so the fork server, the workers and the resource tracker must
notice on their own that it is gone. Each process is told apart by its start time,
so a recycled pid is not taken for a survivor.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.conftest import write_config
from tests.feeds import Entry, rss
from tests.servers import LocalHTTPServer, Response

ARTICLE = (
    "<html><head><title>Talks in Geneva</title></head><body><article><h1>Talks in Geneva"
    "</h1>" + "<p>Delegations from Kyiv and Moscow met in Geneva on Monday for talks on a "
    "ceasefire, officials said, and agreed to meet again next week.</p>"
    * 8
    + "</article></body></html>"
).encode()


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> set[tuple[int, int]]:
    """(pid, start time) of every process under `root`."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            children.setdefault(stat[0], []).append((int(entry), stat[2]))
    found: set[tuple[int, int]] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def alive(process: tuple[int, int]) -> bool:
    stat = _stat(process[0])
    return stat is not None and stat[2] == process[1] and stat[1] != "Z"


def test_sigkill_of_the_daemon_leaves_no_worker_process_behind(tmp_path: Path, daemons) -> None:
    site = LocalHTTPServer().start()
    try:
        links = [site.route(f"/world/geneva-{n}.html", Response(body=ARTICLE)) for n in range(3)]
        entries = [
            Entry(f"Ukraine and Russia hold talks in Geneva, day {n}", link, "Talks went on.")
            for n, link in enumerate(links)
        ]
        feed = site.route(
            "/feed.xml",
            Response(body=rss(entries), headers={"Content-Type": "application/rss+xml"}),
        )
        config = write_config(
            tmp_path / "pw.toml",
            database=f"sqlite:///{tmp_path / 'pw.db'}",
            sources=[{"name": "wire", "url": feed, "interval": "2s", "fetch_articles": True}],
            sections={"web": {"port": 0}, "daemon": {"min_interval": "1s"}},
        )
        daemon = daemons(config, "--log-format", "json").started()
        daemon.wait_for(r'"event": "poll".*"source": "wire"')
        pid = daemon.proc.pid
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the fork server's children are the workers
            family = descendants(pid)
            if any(_stat(p) and _stat(p)[0] != pid for p, _ in family):  # type: ignore[index]
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"no worker processes under the daemon:\n{daemon.output()}")
        assert len(family) >= 3, family  # fork server, resource tracker, workers

        os.kill(pid, signal.SIGKILL)
        daemon.proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(p) for p in family):
            time.sleep(0.1)
        left = [p for p in family if alive(p)]
        assert not left, [Path(f"/proc/{p}/cmdline").read_bytes()[:120] for p, _ in left]
    finally:
        site.stop()
