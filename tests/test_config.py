"""Config: found, interpolated, validated before anything runs, with the key named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.config import ConfigError, default_config, load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[database]\nurl = "sqlite:///x.db"\ncolour = "red"\n', "database.colour"),
        ('[[sources]]\nname = "a"\nurl = "not a url"\n', "sources[0].url"),
        ('[[sources]]\nname = "a"\nurl = "ftp://example.org/x"\n', "sources[0].url"),
        (
            '[[sources]]\nname = "a"\nurl = "https://example.org/rss"\ninterval = "15 parsecs"\n',
            "sources[0].interval",
        ),
        ('[alerts]\ncooldown = "-1h"\n', "alerts.cooldown"),
        ("unknown_section = 1\n", "unknown_section"),
        (
            '[[channels]]\nname = "x"\nkind = "webhook"\nurl = "https://h.example.org"\n'
            'secret = "${PEACEWATCH_TEST_UNSET_VAR}"\n',
            "channels[0].secret",
        ),
        (
            '[[sources]]\nname = "a"\nurl = "https://e.org/r"\n[[sources]]\nname = "a"\n'
            'url = "https://e.org/s"\n',
            "sources[1].name",
        ),
        ('[database]\nurl = "mysql://x"\n', "database.url"),
        ('[[sources]]\nname = "a"\nurl = "https://e.org/r"\ntopic = "nope"\n', "sources[0].topic"),
        ('[[sources]]\nname = "a"\nurl = "https://e.org/r"\ngroup = 3\n', "sources[0].group"),
        ('[[sources]]\nname = "a"\nurl = "https://e.org/r"\ngroup = ""\n', "sources[0].group"),
        (
            '[[sources]]\nname = "a"\nurl = "https://e.org/r"\noutlet_groups = { "t.ru" = 1 }\n',
            "sources[0].outlet_groups",
        ),
        (
            '[[sources]]\nname = "a"\nurl = "https://e.org/r"\nlanguage = "Russian"\n',
            "sources[0].language",
        ),
        ('[[topics]]\nname = "t"\nterms = { Ukrainian = [["x"]] }\n', "terms.Ukrainian"),
        ('[[topics]]\nname = "t"\nquery = [["a"]]\nterms = { uk = [["x"], ["y"]] }\n', "terms.uk"),
    ],
)
def test_bad_config_names_the_key(toml, key):
    with pytest.raises(ConfigError) as caught:
        parse_settings(toml, "peacewatch.toml")
    message = str(caught.value)
    assert key in message
    assert "\n" not in message


def test_env_interpolation(monkeypatch):
    monkeypatch.setenv("PW_SECRET", "s3cret")
    settings = parse_settings(
        '[[channels]]\nname = "x"\nkind = "webhook"\nurl = "https://h.example.org"\n'
        'secret = "${PW_SECRET}"\n'
    )
    assert settings.channels[0].secret == "s3cret"


def test_without_topics_the_default_topic_is_watched():
    settings = parse_settings('[[sources]]\nname = "a"\nurl = "https://e.org/r"\n')
    assert [t.name for t in settings.topics] == ["russia-ukraine-talks"]
    assert settings.sources[0].topic == "russia-ukraine-talks"
    assert settings.sources[0].interval.total_seconds() == 900


def test_default_config_lists_real_sources_for_the_default_topic():
    settings = parse_settings(default_config(), "default")
    assert len(settings.sources) >= 15
    assert len({s.url.host for s in settings.sources}) >= 15
    assert all(60 <= s.interval.total_seconds() <= 6 * 3600 for s in settings.sources)
    assert settings.database.url == "sqlite:///peacewatch.db"


def test_cli_bad_config_exits_nonzero_with_one_line(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[[sources]]\nname = "a"\nurl = "https://e.org/r"\ninterval = "soon"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "crawl", "--config", str(config), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "sources[0].interval" in lines[0]
    assert not (tmp_path / "peacewatch.db").exists()


def test_init_writes_a_config_that_loads(cli, tmp_path, monkeypatch):
    target = tmp_path / "new.toml"
    result = cli("init", "--config", str(target))
    assert result.exit_code == 0
    text = target.read_text()
    assert text.count("[[sources]]") >= 15 and "#" in text
    assert text == default_config()
    parse_settings(text)
    again = cli("init", "--config", str(target))
    assert again.exit_code != 0 and "exists" in again.stderr


def test_init_force_overwrites_and_creates_folders(cli, tmp_path):
    target = tmp_path / "etc" / "peacewatch" / "peacewatch.toml"
    assert cli("init", "--config", str(target)).exit_code == 0
    target.write_text("# mine\n")
    assert cli("init", "--config", str(target), "--force").exit_code == 0
    assert target.read_text() == default_config()


def test_without_a_file_the_written_config_runs(tmp_path, monkeypatch):
    """`run` with no config file uses exactly what `init` would write."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)
    assert load_settings() == parse_settings(default_config())


def test_config_from_environment_variable(cli, tmp_path, monkeypatch, db_url):
    config = tmp_path / "env.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n[[sources]]\nname = "only"\nurl = "https://e.org/r"\n'
    )
    monkeypatch.setenv("PEACEWATCH_CONFIG", str(config))
    result = cli("sources", "--json", config=False)
    assert result.exit_code == 0, result.stderr
    assert [s["name"] for s in result.json()] == ["only"]


def test_no_config_file_uses_the_default(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)
    result = cli("sources", "--json", config=False)
    assert result.exit_code == 0, result.stderr
    assert len(result.json()) >= 15
    assert (tmp_path / "peacewatch.db").exists()
    assert os.path.getsize(tmp_path / "peacewatch.db") > 0


@pytest.mark.parametrize("depth", [40, 400, 2_000, 100_000])
def test_deeply_nested_array_is_one_line_naming_the_file_exit_2(tmp_path, depth):
    config = tmp_path / "deep.toml"
    config.write_text("[[topics]]\nname = 'x'\nquery = " + "[" * depth + "]" * depth + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "crawl", "--config", str(config), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    assert str(config) in lines[0] and "nest" in lines[0]
    assert not (tmp_path / "peacewatch.db").exists()
