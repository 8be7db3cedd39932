"""The deployment files parse: compose as YAML with the expected services, the systemd
unit through `systemd-analyze verify` (or a section/key check where systemd is absent),
and the Dockerfile runs as non-root with a health check on /healthz."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.deploy.unit import unit_sections

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_has_peacewatch_and_postgres_configured_by_environment():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"peacewatch", "db"}
    assert services["db"]["image"].startswith("postgres:")
    app = services["peacewatch"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "${POSTGRES_PASSWORD" in app["environment"]["POSTGRES_PASSWORD"]
    assert "PEACEWATCH_CONFIG" in app["environment"]
    assert all(p.startswith("127.0.0.1:") for p in app["ports"])


def test_systemd_unit_is_valid_and_hardened(tmp_path):
    text = (DEPLOY / "peacewatch.service").read_text()
    unit = unit_sections(text)
    service = unit["Service"]
    assert set(unit) == {"Unit", "Service", "Install"}
    assert service["ExecStart"][0].endswith("peacewatch run --log-format json")
    for key in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert service[key][0] in ("yes", "strict"), key
    assert service["KillSignal"] == ["SIGTERM"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    # W^X memory breaks the TLS layer's cffi callbacks: every HTTPS page fetch failed.
    assert "MemoryDenyWriteExecute" not in service
    if shutil.which("systemd-analyze") is None:
        configparser.ConfigParser(strict=False, interpolation=None).read_string(text)
        return
    # verify needs ExecStart to exist: point it at a stand-in executable.
    fake = tmp_path / "peacewatch"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    copy = tmp_path / "peacewatch.service"
    copy.write_text(text.replace("/opt/peacewatch/bin/peacewatch", str(fake)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    problems = [
        line
        for line in (result.stderr + result.stdout).splitlines()
        if "peacewatch.service" in line
    ]
    assert result.returncode == 0 and not problems, result.stderr


def test_dockerfile_is_slim_non_root_and_health_checked():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim$", text, re.M)  # the default base
    assert text.count("FROM ${BASE_IMAGE}") == 2
    user = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user and user[-1].split()[1] not in ("root", "0")
    health = text[text.index("HEALTHCHECK") :].split("\nCMD [")[0]
    # It asks /healthz on the port the effective config listens on, not a fixed 8080.
    assert "scheduler.healthcheck" in health and "8080" not in health
    assert 'CMD ["peacewatch", "run"' in text


def test_dockerfile_keeps_state_in_a_volume_and_listens_where_published():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r'^VOLUME \["/var/lib/peacewatch"\]', text, re.M)
    assert "PEACEWATCH_WEB_HOST=0.0.0.0" in text  # a mounted 127.0.0.1 config still answers


def test_dockerignore_keeps_repository_clutter_out_of_the_context():
    patterns = {
        line.strip()
        for line in (DEPLOY.parent / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".git", "tests", "*.db", ".venv", "venv", "peacewatch.toml", ".*_cache"):
        assert needed in patterns, needed


def test_compose_instructions_set_the_token_compose_requires():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    required = compose["services"]["peacewatch"]["environment"]["PEACEWATCH_WEB_TOKEN"]
    assert required.startswith("${PEACEWATCH_WEB_TOKEN:?")
    readme = (DEPLOY / "README.md").read_text()
    section = readme[readme.index("## Docker Compose") : readme.index("## systemd")]
    commands = section[section.index("```sh") : section.index("```", section.index("```sh") + 5)]
    assert "PEACEWATCH_WEB_TOKEN=" in commands and "POSTGRES_PASSWORD=" in commands
    assert "0.0.0.0" in section and "token" in section
