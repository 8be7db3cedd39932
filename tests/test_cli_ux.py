"""The CLI as a person meets it: quick to start, readable output, sane messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.feeds import rss, talks_entry
from tests.servers import Response

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "scrapy", "fastapi", "alembic", "datasketch", "sqlalchemy")

_PROBE = """
import sys
sys.argv = ["peacewatch", *sys.argv[1:]]
from scheduler.cli import main
try:
    main()
except SystemExit:
    pass
print("MODULES", *sorted(sys.modules))
"""


def _loaded(tmp_path: Path, *args: str) -> set[str]:
    """The top-level modules a command loaded, run in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def _top(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_cli_help_loads_no_heavy_dependency(tmp_path: Path) -> None:
    loaded = _top(_loaded(tmp_path, "--help"))
    assert "typer" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_listing_articles_loads_what_reading_the_database_needs_only(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    assert "alembic" in _top(_loaded(tmp_path, "articles", "--config", config))  # a new one
    loaded = _top(_loaded(tmp_path, "articles", "--config", config))
    assert "sqlalchemy" in loaded
    unneeded = {*HEAVY, "numpy", "httpx", "aiohttp"} - {"sqlalchemy"}
    assert not loaded & unneeded, sorted(loaded & unneeded)


def test_a_crawl_that_finds_nothing_new_loads_no_reader(tmp_path: Path, http_server) -> None:
    url = http_server.route("/f.xml", Response(body=rss([talks_entry(n) for n in range(3)])))
    source = f'[[sources]]\nname = "f"\nurl = "{url}"\nfetch_articles = false\n'
    config = str(_config(tmp_path, source))
    reader = "crawler.status.learned.model"
    assert reader in _loaded(tmp_path, "crawl", "--config", config)  # three new articles
    assert reader not in _loaded(tmp_path, "crawl", "--config", config)  # the same three


def _peacewatch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process with stdout piped (not a TTY), as a script sees it."""
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _config(tmp_path: Path, sources: str = "") -> Path:
    config = tmp_path / "peacewatch.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "pw.db"}"\n{sources}', encoding="utf-8"
    )
    return config


def test_cli_flags_show_no_bool_metavar(tmp_path: Path) -> None:
    done = _peacewatch("crawl", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "--no-alerts" in done.stdout
    assert "<bool>" not in done.stdout


def test_cli_version(tmp_path: Path) -> None:
    import tomllib

    expected = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    done = _peacewatch("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"peacewatch {expected}"


def test_cli_empty_lists_say_so(tmp_path: Path) -> None:
    config = _config(tmp_path)
    for command, message in (("articles", "no articles yet"), ("stories", "no stories yet")):
        done = _peacewatch(command, "--config", str(config), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert message in done.stderr
        assert "┏" not in done.stdout and "+-" not in done.stdout


def test_cli_tables_not_wrapped_when_piped_and_times_to_the_minute(tmp_path: Path) -> None:
    name = "a-source-with-a-rather-long-name-" + "x" * 60
    config = _config(
        tmp_path,
        f'\n[[sources]]\nname = "{name}"\nkind = "feed"\n'
        'url = "http://127.0.0.1:9/feed.xml"\ninterval = "15m"\n',
    )
    done = _peacewatch("sources", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert name in done.stdout  # one cell, not wrapped or cut at 80 columns
    assert "every 15 min" in done.stdout
    assert "15.0" not in done.stdout


def test_cli_short_time_and_interval_helpers() -> None:
    from scheduler.cli.output import short_time
    from scheduler.cli.query import every

    assert short_time("2025-06-01T10:00:12.123456+00:00") == "2025-06-01 10:00 UTC"
    assert short_time(None) == ""
    assert every(900.0) == "every 15 min"
    assert every(7200) == "every 2 h"
    assert every(90) == "every 1.5 min"


def test_cli_crawl_summary_on_stdout_and_unchanged_feeds(tmp_path: Path) -> None:
    import http.server
    import threading

    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<link>http://127.0.0.1/</link><description>d</description>"
        "<item><title>Kremlin says peace talks with Kyiv are stalled</title>"
        "<link>http://127.0.0.1/a.html</link><guid>a</guid>"
        "<description>Russia and Ukraine talks stalled, officials said.</description>"
        "</item></channel></rss>",
        encoding="utf-8",
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(site), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = _config(
            tmp_path,
            f'\n[[sources]]\nname = "local"\nkind = "feed"\n'
            f'url = "http://127.0.0.1:{server.server_address[1]}/feed.xml"\n'
            'interval = "15m"\nfetch_articles = false\n',
        )
        first = _peacewatch("crawl", "--no-alerts", "--config", str(config), cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "1 sources, 1 entries seen" in first.stdout
        second = _peacewatch("crawl", "--no-alerts", "--config", str(config), cwd=tmp_path)
        assert second.returncode == 0, second.stderr
        assert "0 entries seen (1 feeds unchanged)" in second.stdout
    finally:
        server.shutdown()


def test_cli_silence_remove_twice_says_not_active(tmp_path: Path) -> None:
    config = _config(tmp_path)
    added = _peacewatch(
        "silence", "add", "--topic", "russia-ukraine-talks", "--for", "1h", "--json",
        "--config", str(config), cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    import json

    silence = json.loads(added.stdout)["id"]
    first = _peacewatch("silence", "remove", str(silence), "--config", str(config), cwd=tmp_path)
    assert first.returncode == 0 and "ended" in first.stderr
    again = _peacewatch("silence", "remove", str(silence), "--config", str(config), cwd=tmp_path)
    assert again.returncode == 1
    assert "was not active" in again.stderr
    assert f"silence {silence} ended" not in again.stderr
