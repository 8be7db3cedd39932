"""The systemd unit's restrictions, applied to a real crawl of HTTPS pages on loopback.

systemd is not PID 1 here, so the unit cannot be started. What this machine can apply is
applied with the kernel's own tools (unshare, mount, setpriv): a read-only file system
but for the state directory (ProtectSystem=strict, StateDirectory), a private /tmp
(PrivateTmp), empty homes (ProtectHome), an unprivileged uid (DynamicUser), no new
privileges and no capabilities (NoNewPrivileges, CapabilityBoundingSet=), and UMask.
The system call filter and address families are not applied. The interpreter on this
machine lives under /root, so it is bound back read-only after /root is hidden; a real
install's venv sits on /opt with the system Python.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.deploy.unit import unit_sections
from tests.feeds import Entry, rss
from tests.servers import LocalHTTPServer, Response, self_signed_server

ROOT = Path(__file__).resolve().parents[2]
UNIT = unit_sections((ROOT / "deploy" / "peacewatch.service").read_text())["Service"]
STATE = "/var/lib/peacewatch"
UID = 61234

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("unshare", "setpriv", "openssl")),
    reason="needs root, unshare, setpriv and openssl to build the sandbox",
)

# Runs inside a private mount namespace: $1 state dir, $2 interpreter prefix, rest the
# command. Every step mirrors one directive of deploy/peacewatch.service.
SANDBOX = r"""
set -eu
state=$1; prefix=$2; shift 2
mount --make-rprivate /
# StateDirectory=peacewatch, WorkingDirectory=/var/lib/peacewatch
mount -t tmpfs -o mode=755 tmpfs /var/lib
mkdir -p /var/lib/peacewatch /var/lib/.python
mount --bind "$state" /var/lib/peacewatch
mount --bind "$prefix" /var/lib/.python
# PrivateTmp=yes, ProtectHome=yes (the interpreter bound back read-only)
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /home
mount -t tmpfs -o mode=755 tmpfs /root
mkdir -p "$prefix"
mount --move /var/lib/.python "$prefix"
mount -o remount,bind,ro "$prefix"
# ProtectSystem=strict: everything read-only but the API file systems and the state
mount -o remount,bind,ro /
mount -o remount,ro /var/lib
cd /var/lib/peacewatch
umask 0077
exec setpriv --reuid=61234 --regid=61234 --clear-groups --no-new-privs \
  --inh-caps=-all --bounding-set=-all "$@"
"""


def _article(n: int) -> bytes:
    body = "".join(
        f"<p>Negotiators from Kyiv and Moscow met in Istanbul for round {n} of the peace "
        f"talks on a ceasefire, officials said; paragraph {p} of the report.</p>"
        for p in range(6)
    )
    return (
        f"<html><head><title>Talks round {n}</title></head><body><article>"
        f"<h1>Ukraine and Russia negotiators meet for round {n} of peace talks</h1>"
        f"{body}</article></body></html>"
    ).encode()


def _crawl(tmp_path: Path, feed: str, database: str) -> subprocess.CompletedProcess[str]:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    sources = [{"name": "loopback", "url": feed, "fetch_articles": True}]
    write_config(state / "peacewatch.toml", database=database, sources=sources)
    os.chown(state, UID, UID)
    os.chown(state / "peacewatch.toml", UID, UID)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/",
        "PEACEWATCH_CONFIG": f"{STATE}/peacewatch.toml",
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, "-m", "scheduler", "crawl", "--json"]
    return subprocess.run(
        [
            "unshare",
            "--mount",
            "sh",
            "-c",
            SANDBOX,
            "sandbox",
            str(state),
            sys.base_prefix,
            *command,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_unit_declares_the_restrictions_this_test_applies() -> None:
    wanted = {"DynamicUser", "StateDirectory", "ProtectSystem", "PrivateTmp", "ProtectHome"}
    wanted |= {"NoNewPrivileges", "CapabilityBoundingSet", "UMask"}
    assert wanted <= UNIT.keys()
    assert UNIT["ProtectSystem"] == ["strict"] and UNIT["UMask"] == ["0077"]


def test_a_crawl_of_https_pages_works_under_the_units_restrictions(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    pages, _ = self_signed_server(tmp_path)
    try:
        entries = [
            Entry(
                f"Ukraine and Russia negotiators meet for round {n} of peace talks",
                pages.url(f"/world/round-{n}.html"),
                "Officials met for talks.",
            )
            for n in range(3)
        ]
        for n in range(3):
            pages.route(
                f"/world/round-{n}.html",
                Response(body=_article(n), headers={"Content-Type": "text/html"}),
            )
        url = http_server.route(
            "/feed.xml",
            Response(body=rss(entries), headers={"Content-Type": "application/rss+xml"}),
        )
        done = _crawl(tmp_path, url, f"sqlite:///{STATE}/peacewatch.db")
    finally:
        pages.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    assert all(pages.hits(f"/world/round-{n}.html") == 1 for n in range(3)), done.stdout
    database = tmp_path / "state" / "peacewatch.db"
    assert database.stat().st_uid == UID
    assert database.stat().st_mode & 0o077 == 0  # UMask=0077
    summary = json.loads(done.stdout)
    assert summary["pages"] == 3 and summary["errors"] == [], done.stdout


def test_the_sandbox_refuses_a_database_outside_the_state_directory(
    tmp_path: Path, http_server: LocalHTTPServer
) -> None:
    """The negative control: the same sandbox, a database path on the read-only root."""
    url = http_server.route("/feed.xml", Response(body=rss([])))
    done = _crawl(tmp_path, url, f"sqlite:///{ROOT}/outside.db")
    assert done.returncode != 0
    assert not (ROOT / "outside.db").exists()
    assert "Traceback" not in done.stderr
    assert "outside.db" in done.stderr or "read-only" in done.stderr.lower(), done.stderr
