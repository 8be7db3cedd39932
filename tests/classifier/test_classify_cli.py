"""`peacewatch classify` and `peacewatch reclassify`, driven as a user drives them."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from crawler.store.tables import Article
from scheduler.cli import app
from scheduler.database import open_database

ROOT = Path(__file__).resolve().parents[2]
SEED = Path(__file__).parents[1] / "data" / "seeds" / "ap-2025-05-20-peace-talks-stalled.txt"
HEADLINE = "Ukraine-Russia Peace Talks Stalled: Frustration Mounts as Breakthroughs Remain Elusive"
PAGE = """<!DOCTYPE html><html><head><title>Talks collapse</title></head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Ukraine peace talks collapse as Russian delegation walks out</h1>
<p>The negotiations in Geneva broke down on Saturday after the Russian team left the room,
Ukrainian officials said, accusing Moscow of issuing ultimatums.</p>
<p>Mediators said there were no plans for another round, and both sides blamed each other
for the failure of the latest attempt to end the war.</p>
<p>Diplomats in Kyiv described the atmosphere as tense from the start of the meeting.</p>
</article><footer>Weather: Kyiv 12C</footer></body></html>"""

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No config file anywhere: classify must work without one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class PageHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/big":
            body = b"<html><body><p>" + b"talks " * 3000 + b"</p></body></html>"
        elif self.path == "/elsewhere":
            self.send_response(302)
            self.send_header("Location", "http://10.255.255.1/article")
            self.end_headers()
            return
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/article")
            self.end_headers()
            return
        elif self.path == "/article":
            body = PAGE.encode()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site() -> Iterator[str]:
    httpd = PageServer(("127.0.0.1", 0), PageHandler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_classify_a_text_file_as_json() -> None:
    result = runner.invoke(app, ["classify", str(SEED), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"status", "confidence", "evidence"}
    assert data["status"] == "stalled"
    assert data["evidence"][0] == HEADLINE


def test_classify_prints_status_confidence_and_evidence_for_a_person() -> None:
    result = runner.invoke(app, ["classify", str(SEED)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("status: stalled  confidence: 0.")
    assert lines[1] == "evidence:"
    assert lines[2] == f"  - {HEADLINE}"
    assert "\x1b[" not in result.stdout  # no colour codes when not on a terminal


def test_classify_reads_stdin() -> None:
    text = "Russia and Ukraine agree 30-day energy ceasefire\nStrikes on power plants stop."
    result = runner.invoke(app, ["classify", "--json"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "ceasefire"
    result = runner.invoke(app, ["classify", "-", "--json"], input=text)
    assert json.loads(result.stdout)["status"] == "ceasefire"


def test_classify_an_html_file(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(page), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "collapsed"
    assert not any("Weather" in e or "Home" in e for e in data["evidence"])


def test_classify_a_url_following_a_redirect(site: str) -> None:
    result = runner.invoke(app, ["classify", f"{site}/moved", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "collapsed"


def test_classify_refuses_a_redirect_into_a_private_network(site: str) -> None:
    result = runner.invoke(app, ["classify", f"{site}/elsewhere"])
    assert result.exit_code == 2
    assert "private address 10.255.255.1" in result.stderr


def test_classify_refuses_pages_over_the_size_cap(site: str, tmp_path: Path) -> None:
    config = tmp_path / "small.toml"
    config.write_text("[network]\nmax_bytes = 2048\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", f"{site}/big", "--config", str(config)])
    assert result.exit_code == 2
    assert "size cap" in result.stderr
    assert result.stdout == ""


def test_classify_http_error_and_missing_file_are_one_line(site: str) -> None:
    result = runner.invoke(app, ["classify", f"{site}/nope"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {site}/nope: HTTP 404 Not Found"]
    result = runner.invoke(app, ["classify", "missing.txt"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: missing.txt: no such file"


def test_classify_batch(tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "title": "Ukraine talks stall", "text": "No progress was made in Geneva."},
        {"id": 7, "title": "Gaza ceasefire holds", "text": "Israel and Hamas kept the truce."},
        {
            "id": "c",
            "title": "Russia and Ukraine sign deal to reopen Black Sea ports for grain exports",
            "text": "",
        },
    ]
    batch.write_text(
        "\n".join(json.dumps(r) for r in rows[:2]) + "\nnot json\n" + json.dumps(rows[2]) + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["classify", "--batch", str(batch)])
    assert result.exit_code == 1  # one bad line
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o["status"]) for o in out] == [
        ("a", "stalled"),
        (7, "none"),
        ("c", "agreement"),
    ]
    assert all(set(o) == {"id", "status", "confidence", "evidence", "language"} for o in out)
    assert {o["language"] for o in out} == {"en"}
    assert "in.jsonl:3: skipped" in result.stderr


def test_bad_lexicon_in_config_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "pw.toml"
    config.write_text(
        '[[topics]]\nname = "t"\n[topics.classifier]\nlexicon = "nope.toml"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["classify", "--config", str(config)], input="a\nb")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "topics[0].classifier.lexicon: no file at 'nope.toml'" in result.stderr


def _article(n: int, title: str, status: str) -> Article:
    return Article(
        url=f"https://example.org/{n}",
        original_url=f"https://example.org/{n}",
        outlet="example.org",
        topic="russia-ukraine-talks",
        title=title,
        text="",
        summary="Officials in Kyiv and Moscow commented.",
        content_hash=f"h{n}",
        status=status,
    )


def test_reclassify_updates_stored_articles(tmp_path: Path) -> None:
    db = tmp_path / "pw.db"
    config = tmp_path / "pw.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    engine = open_database(f"sqlite:///{db}")
    titles = [
        "Russia-Ukraine peace talks collapse as delegations walk out",
        "Russia and Ukraine agree energy truce",
    ]
    with Session(engine) as session:
        session.add(_article(1, titles[0], "none"))
        session.add(_article(2, titles[1], "ceasefire"))
        for n in range(3, 250):
            session.add(_article(n, f"Drone strike number {n} hits Kharkiv", "none"))
        session.commit()
    result = runner.invoke(app, ["reclassify", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"articles": 249, "changed": 1, "updated": 249}
    with Session(engine) as session:
        first = session.exec(select(Article).where(Article.id == 1)).one()
        assert first.status == "collapsed" and first.evidence == [titles[0]]
        assert 0 < first.confidence <= 1
    result = runner.invoke(app, ["reclassify", "--config", str(config)])
    assert result.exit_code == 0
    assert "reclassified 249 articles: 0 changed status, 0 updated" in result.stderr


def test_the_installed_command_runs_classify(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "classify", "--json", "-"],
        input="Kremlin says talks with Kyiv set for June 2\nDelegations will meet in Istanbul.",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "scheduled"


def test_evidence_does_not_repeat_the_headline_in_its_lede(tmp_path: Path) -> None:
    article = tmp_path / "truce.txt"
    article.write_text(
        "Ukraine and Russia agree to an energy ceasefire\n"
        "Ukraine and Russia have agreed to an energy ceasefire, the Kremlin said on Tuesday. "
        "The truce covers power plants and will be monitored by observers. "
        "Both sides confirmed the ceasefire took effect at midnight.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["classify", str(article), "--json"])
    assert result.exit_code == 0, result.stderr
    reading = json.loads(result.stdout)
    assert reading["status"] == "ceasefire"
    assert reading["evidence"] == [
        "Ukraine and Russia agree to an energy ceasefire",
        "Both sides confirmed the ceasefire took effect at midnight.",
    ]
