"""A database outage in the middle of a poll (PostgreSQL restarting): the daemon records
what it can on a fresh connection once the database is back, lets go of the source's
lease, polls it again within seconds rather than when the lease expires, and says the
database is unhealthy on /healthz while it cannot be reached."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.conftest import write_config
from tests.daemon.conftest import set_reachable


def _health(url: str) -> int:
    try:
        return httpx.get(url + "/healthz", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def test_a_database_outage_mid_poll_does_not_strand_the_source(tmp_path, farm, daemons, pg_url):
    farm.feed("slow", delay=1.5)
    config = write_config(
        tmp_path / "pw.toml",
        database=pg_url,
        sources=[{"name": "slow", "url": farm.server.url("/slow.xml"), "interval": "1h"}],
        sections={
            "network": {"allow_private": True},
            "web": {"port": 0},
            "daemon": {"jitter": 0},
        },
    )
    url = make_url(pg_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    daemon = daemons(config).started()
    assert daemon.url is not None
    try:
        deadline = time.monotonic() + 30
        while not farm.busy("slow"):  # the first poll is downloading
            assert time.monotonic() < deadline, daemon.output()
            time.sleep(0.02)
        set_reachable(admin, url.database, False)
        time.sleep(2.5)  # the poll ends while the database is away
        statuses = [_health(daemon.url) for _ in range(3)]
        assert statuses == [503, 503, 503], daemon.output()
        set_reachable(admin, url.database, True)
        back = time.monotonic()
        while len(farm.starts("slow")) < 2:
            assert time.monotonic() - back < 20, "source not polled again:\n" + daemon.output()
            time.sleep(0.1)
        daemon.wait_for(r"poll slow ok", timeout=20)
        deadline = time.monotonic() + 10
        while _health(daemon.url) != 200:
            assert time.monotonic() < deadline, daemon.output()
            time.sleep(0.2)
        assert "Traceback" not in daemon.output()
    finally:
        set_reachable(admin, url.database, True)
        daemon.kill()
        admin.dispose()
