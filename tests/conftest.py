"""Fixtures shared by the whole suite: local servers, config files, the CLI, databases."""

from __future__ import annotations

import json
import os
import socket
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.servers import LocalHTTPServer

POSTGRES_ENV = "PEACEWATCH_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer().start()
    yield server
    server.stop()


@dataclass
class CLIResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class CLI:
    """Runs `peacewatch` in-process against one config file."""

    def __init__(self, config: Path | None) -> None:
        self.config = config

    def __call__(self, *args: str, input: str | None = None, config: bool = True) -> CLIResult:
        from scheduler.cli import app

        argv = list(args)
        if config and self.config is not None and "--config" not in argv:
            argv += ["--config", str(self.config)]
        result = CliRunner().invoke(app, argv, input=input, catch_exceptions=False)
        return CLIResult(result.exit_code, result.stdout, result.stderr)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def write_config(
    path: Path,
    *,
    database: str,
    sources: list[dict[str, Any]] = (),  # type: ignore[assignment]
    sections: dict[str, dict[str, Any]] | None = None,
    channels: list[dict[str, Any]] = (),  # type: ignore[assignment]
    raw: str = "",
) -> Path:
    lines = ["[database]", f"url = {toml_value(database)}", ""]
    sections = {"network": {"allow_private": True}, **(sections or {})}
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
        lines.append("")
    for table, items in (("sources", sources), ("channels", channels)):
        for item in items:
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {toml_value(v)}" for k, v in item.items()]
            lines.append("")
    path.write_text("\n".join(lines) + textwrap.dedent(raw), encoding="utf-8")
    return path


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'peacewatch.db'}"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "peacewatch.toml"


@pytest.fixture
def cli(config_path: Path) -> CLI:
    return CLI(config_path)


def _postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_url_or_skip() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if _postgres_answers():
        return DEFAULT_POSTGRES
    if os.environ.get("CI"):
        pytest.fail("PostgreSQL is required on CI but does not answer on 127.0.0.1:5432")
    pytest.skip("no PostgreSQL (set PEACEWATCH_TEST_POSTGRES_URL)")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database of its own, dropped after the test."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from crawler.store.db import normalise_url

    base = make_url(normalise_url(postgres_url_or_skip()))
    name = f"pw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'any.db'}"
    return request.getfixturevalue("pg_url")
