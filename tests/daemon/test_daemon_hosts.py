"""`peacewatch run`: the daemon's web server answers only allowed Host names, except
`/healthz` and `/metrics`, which any orchestrator or scraper may ask by any name."""

from __future__ import annotations

import signal

import httpx

from tests.conftest import write_config


def test_the_daemon_refuses_a_foreign_host_but_not_its_probes(tmp_path, farm, daemons):
    config = write_config(
        tmp_path / "pw.toml",
        database=f"sqlite:///{tmp_path / 'pw.db'}",
        sources=[{"name": "wire", "url": farm.feed("wire"), "interval": "5s"}],
        sections={"web": {"port": 0}},
    )
    daemon = daemons(config, "--log-format", "json").started()
    port = daemon.url.rsplit(":", 1)[1]
    evil = {"Host": f"evil.example:{port}"}
    for path in ("/", "/api/status", "/shifts.atom", "/operations"):
        assert httpx.get(daemon.url + path, headers=evil).status_code == 400, path
        assert httpx.get(daemon.url + path).status_code == 200, path
    assert httpx.get(daemon.url + "/healthz", headers=evil).status_code in (200, 503)
    assert httpx.get(daemon.url + "/metrics", headers=evil).status_code == 200
    feed = httpx.get(daemon.url + "/shifts.atom", headers={"Host": f"localhost:{port}"})
    assert f'href="http://localhost:{port}/' in feed.text
    code, took = daemon.terminate(signal.SIGTERM)
    assert code == 0 and took < 10
