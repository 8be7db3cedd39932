"""A Debian bookworm base image built here, for building deploy/Dockerfile without a registry.

No image registry is reachable on CI, but the Debian mirror apt uses is: debootstrap
builds a minimal bookworm with python3 and venv, and buildah commits it as a local
image. Both the root filesystem and the image are cached outside the repository
($PEACEWATCH_TEST_CACHE, default /var/cache/peacewatch-test), so only the first run
pays the ~3 minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

BASE_IMAGE = "localhost/peacewatch-test-base:bookworm"
CACHE = Path(os.environ.get("PEACEWATCH_TEST_CACHE", "/var/cache/peacewatch-test"))
PACKAGES = "python3,python3-venv,python-is-python3,ca-certificates"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")


def missing_tools() -> str | None:
    """Why the image test cannot run here, or None."""
    absent = [tool for tool in ("buildah", "debootstrap") if shutil.which(tool) is None]
    if absent:
        return f"{' and '.join(absent)} not installed (apt-get install buildah debootstrap)"
    if os.geteuid() != 0:
        return "building a debootstrap base and buildah --isolation chroot need root"
    return None


def debian_mirror() -> str:
    """The Debian mirror apt on this machine uses (deb822 or one-line sources)."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in sources:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in re.finditer(r"(https?://\S+/debian)/?(?:\s|$)", text):
            return match.group(1)
    return "http://deb.debian.org/debian"


def buildah(*args: str, timeout: float = 900) -> str:
    done = subprocess.run(
        ["buildah", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"buildah {' '.join(args[:2])} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def image_exists(name: str) -> bool:
    done = subprocess.run(["buildah", "inspect", "--type", "image", name], capture_output=True)
    return done.returncode == 0


def ensure_base() -> str:
    """The base image's name, building and caching it first if needed."""
    if image_exists(BASE_IMAGE):
        return BASE_IMAGE
    rootfs = CACHE / "bookworm-rootfs"
    if not (rootfs / "usr/bin/python3").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = CACHE / "bookworm-rootfs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={PACKAGES}", "bookworm",
             str(partial), debian_mirror()],
            check=True, capture_output=True, timeout=1800,
        )  # fmt: skip
        partial.rename(rootfs)
    if HOST_CA.exists():
        # pip in the build must trust what this machine trusts (a TLS-inspecting proxy).
        shutil.copyfile(HOST_CA, rootfs / "etc/ssl/certs/ca-certificates.crt")
    container = buildah("from", "scratch")
    try:
        buildah("copy", container, str(rootfs), "/")
        buildah("config", "--cmd", "/bin/bash", container)
        buildah("commit", container, BASE_IMAGE)
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True)
    return BASE_IMAGE
