"""deploy/Dockerfile built and run, not only written (slow: ~3 min, more on a first run).

Builds the image with buildah on a debootstrap Debian base (no registry needed), then
starts `peacewatch run` in it with a user's own config mounted — one that says
127.0.0.1, as `peacewatch init` writes — against a feed served on loopback, and checks
what a user of the container sees: /healthz answers on the published port, the
HEALTHCHECK command passes on a non-default port, and the article lands in the
database on the volume (listed by the daemon's API while it runs, and in the
SQLite file left on the volume once it stops).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.imagebase import buildah, ensure_base, missing_tools
from tests.feeds import rss, talks_entry
from tests.servers import LocalHTTPServer, Response

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/peacewatch:test"
TOKEN = "container-secret"
FIGURES = ROOT / "tests" / "output" / "image.json"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.image,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools())),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthz(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def _stored_titles(port: int) -> list[str]:
    """The titles the daemon's own API lists, as a user of the container would ask."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/articles",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return [row["title"] for row in json.load(response)]
    except (OSError, ValueError):
        return []


@pytest.fixture(scope="module")
def image() -> str:
    base = ensure_base()
    started = time.monotonic()
    buildah(
        "bud", "--isolation", "chroot", "--format", "docker", "--layers",
        "--build-arg", f"BASE_IMAGE={base}", "-f", "deploy/Dockerfile", "-t", IMAGE, str(ROOT),
        timeout=1800,
    )  # fmt: skip
    seconds = time.monotonic() - started
    size = buildah("images", "--format", "{{.Size}}", IMAGE)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps({"build_seconds": round(seconds, 1), "size": size}) + "\n")
    print(f"\nimage built in {seconds:.0f} s, {size}")
    return IMAGE


def test_image_declares_volume_and_healthcheck(image: str) -> None:
    config = json.loads(buildah("inspect", "--type", "image", image))["Docker"]["config"]
    assert "/var/lib/peacewatch" in (config.get("Volumes") or {})
    assert config["Healthcheck"]["Test"][-1] == "scheduler.healthcheck"
    assert config["User"] == "peacewatch"


def test_run_in_image_polls_a_loopback_feed(
    image: str, http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    entry = talks_entry(1)
    feed = http_server.route(
        "/feed.xml", Response(body=rss([entry]), headers={"Content-Type": "application/rss+xml"})
    )
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, 10001, 10001)  # the image's unprivileged user owns its volume
    config = tmp_path / "peacewatch.toml"
    config.write_text(
        '[database]\nurl = "sqlite:////var/lib/peacewatch/peacewatch.db"\n\n'
        '[web]\nhost = "127.0.0.1"\nport = 8080\n\n'  # what a user's own config says
        f'[[sources]]\nname = "loopback"\nkind = "feed"\nurl = "{feed}"\ninterval = "1m"\n',
        encoding="utf-8",
    )
    port = _free_port()  # buildah's chroot isolation shares the host's network
    container = buildah("from", image)
    # buildah mounts the image's VOLUME as an anonymous volume and, on some runs, over
    # the user's `-v` (docker never does); without it the volume is the user's alone.
    buildah("config", "--volume", "/var/lib/peacewatch-", container)
    common = [
        "--isolation", "chroot",
        "-e", f"PEACEWATCH_WEB_TOKEN={TOKEN}",
        "-e", f"PEACEWATCH_WEB_PORT={port}",
        "-v", f"{config}:/etc/peacewatch/peacewatch.toml:ro",
        "-v", f"{state}:/var/lib/peacewatch",
    ]  # fmt: skip
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        daemon = subprocess.Popen(
            ["buildah", "run", *common, container, "--", "peacewatch", "run"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and daemon.poll() is None:
            if _healthz(port) == 200 and _stored_titles(port):
                break
            time.sleep(0.5)
        output = log.read_text(errors="replace")
        assert daemon.poll() is None, f"peacewatch run exited early:\n{output[-3000:]}"
        assert _healthz(port) == 200, output[-3000:]
        assert _stored_titles(port) == [entry.title], output[-3000:]
        check = subprocess.run(
            ["buildah", "run", *common, container, "--", "python", "-m", "scheduler.healthcheck"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert check.returncode == 0, check.stderr
        _stop(daemon)
        with sqlite3.connect(state / "peacewatch.db", timeout=10) as db:  # kept on the volume
            assert [row[0] for row in db.execute("SELECT title FROM articles")] == [entry.title]
    finally:
        _stop(daemon)
        subprocess.run(["buildah", "rm", container], capture_output=True, timeout=60)


def _stop(daemon: subprocess.Popen[bytes]) -> None:
    if daemon.poll() is None:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=10)
