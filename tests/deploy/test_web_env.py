"""What a user of the container meets, checked without building it (test_image.py
builds it; tests/daemon/test_deploy.py reads the files): the environment overrides of
`[web]` (PEACEWATCH_WEB_HOST/_PORT/_TOKEN) and the HEALTHCHECK command, against a real
`peacewatch run` process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CLI, write_config
from tests.daemon.conftest import Daemon

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler.healthcheck"],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=30, cwd=ROOT,
    )  # fmt: skip


@pytest.fixture
def daemon_box() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.kill()


def test_environment_overrides_the_web_port_and_the_healthcheck_follows_it(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, daemon_box: list[Daemon]
) -> None:
    config = write_config(
        tmp_path / "peacewatch.toml", database=db_url, sections={"web": {"port": 1}}
    )
    port = _free_port()
    env = {"PEACEWATCH_CONFIG": str(config), "PEACEWATCH_WEB_PORT": str(port)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    daemon = Daemon(config)
    daemon_box.append(daemon)
    daemon.started()
    assert daemon.url == f"http://127.0.0.1:{port}"
    healthy = _healthcheck(env)
    assert healthy.returncode == 0, healthy.stderr
    elsewhere = _healthcheck({**env, "PEACEWATCH_WEB_PORT": str(_free_port())})
    assert elsewhere.returncode == 1
    lines = elsewhere.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("unhealthy: http://127.0.0.1:")
    assert "Traceback" not in elsewhere.stderr
    assert daemon.terminate()[0] == 0


def test_wildcard_host_from_the_environment_needs_the_token(
    cli: CLI, config_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(config_path, database=db_url)  # says nothing of [web]: 127.0.0.1
    monkeypatch.setenv("PEACEWATCH_WEB_HOST", "0.0.0.0")
    monkeypatch.delenv("PEACEWATCH_WEB_TOKEN", raising=False)
    refused = cli("serve")
    assert refused.exit_code != 0
    assert "0.0.0.0" in refused.stderr and "PEACEWATCH_WEB_TOKEN" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_a_bad_port_in_the_environment_is_one_line_naming_it(
    cli: CLI, config_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(config_path, database=db_url)
    monkeypatch.setenv("PEACEWATCH_WEB_PORT", "80x")
    result = cli("status")
    assert result.exit_code != 0
    assert result.stderr.strip() == (
        "error: $PEACEWATCH_WEB_PORT: expected a port number 0-65535, got '80x'"
    )
