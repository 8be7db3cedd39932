"""/healthz through the daemon's real HTTP endpoint (issue 18): it says unhealthy when
every poll has failed for several intervals, long before `stale_after` (2 h), whether
the feeds answer errors or the machine is offline, and when the database is away."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.conftest import write_config
from tests.daemon.conftest import Daemon, set_reachable
from tests.servers import Response


def _health(daemon: Daemon) -> tuple[int, list[str]]:
    try:
        response = httpx.get(f"{daemon.url}/healthz", timeout=5)
    except httpx.HTTPError as exc:
        return 0, [str(exc)]
    return response.status_code, response.json()["reasons"]


def _until(daemon: Daemon, status: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        code, reasons = _health(daemon)
        if code == status:
            return reasons
        assert time.monotonic() < deadline, f"/healthz stayed {code} {reasons}\n{daemon.output()}"
        time.sleep(0.2)


def test_healthz_fails_when_every_poll_fails_for_several_intervals(tmp_path, farm, daemons) -> None:
    sources = [
        {"name": name, "url": farm.feed(name), "interval": "1s"} for name in ("east", "west")
    ]
    config = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{tmp_path / 'pw.db'}",
        sources=sources,
        sections={
            "network": {"allow_private": True, "read_timeout": 0.5, "total_timeout": 1},
            "web": {"port": 0},
            "daemon": {
                "jitter": 0,
                "min_interval": "1s",
                "max_interval": "1s",
                "max_backoff": "1s",
            },
        },
    )
    daemon = daemons(config).started()
    daemon.wait_for(r"poll east ok")
    daemon.wait_for(r"poll west ok")
    assert _until(daemon, 200) == []

    # The feeds' host answers errors: every poll fails.
    for name in ("east", "west"):
        farm.modes[f"/{name}.xml"] = lambda _request: Response(503, b"down")
    began = time.monotonic()
    reasons = _until(daemon, 503)
    assert time.monotonic() - began < 20  # a few 1 s intervals, not stale_after's 2 h
    assert len(reasons) == 1 and reasons[0].startswith("every poll has failed since"), reasons
    assert "each of 2 sources" in reasons[0]

    # One source back is enough to be healthy again.
    del farm.modes["/east.xml"]
    assert _until(daemon, 200) == []

    # The network goes away (no answer at all): no source is penalised for it, yet
    # every poll fails.
    for name in ("east", "west"):
        farm.modes[f"/{name}.xml"] = lambda _request: Response(200, b"", delay=2.0)
    reasons = _until(daemon, 503)
    assert reasons[0].startswith("every poll has failed since"), reasons
    assert "Traceback" not in "\n".join(daemon.lines)


def test_healthz_fails_while_the_database_is_unreachable(tmp_path, farm, daemons, pg_url) -> None:
    config = write_config(
        tmp_path / "pw.toml",
        database=pg_url,
        sources=[{"name": "wire", "url": farm.feed("wire"), "interval": "1h"}],
        sections={
            "network": {"allow_private": True},
            "web": {"port": 0},
            "daemon": {"jitter": 0},
        },
    )
    url = make_url(pg_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    daemon = daemons(config).started()
    try:
        daemon.wait_for(r"poll wire ok")
        assert _until(daemon, 200) == []
        # The daemon is idle: no poll notices, only /healthz asks.
        set_reachable(admin, url.database, False)
        reasons = _until(daemon, 503, timeout=15)
        assert any(r.startswith("database does not answer") for r in reasons), reasons
        set_reachable(admin, url.database, True)
        assert _until(daemon, 200) == []
    finally:
        set_reachable(admin, url.database, True)
        admin.dispose()
