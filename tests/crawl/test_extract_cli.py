"""`peacewatch extract PATH|URL... --json` without any config file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from tests.crawl.testsite import TestSite, article_html


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEACEWATCH_CONFIG", raising=False)


def test_extract_file_and_url_as_json_lines(tmp_path: Path, site: TestSite) -> None:
    seed, other = site.articles[1], site.articles[0]
    path = tmp_path / "page.html"
    path.write_text(article_html(seed), encoding="utf-8")

    result = CliRunner().invoke(app, ["extract", str(path), site.url(other.path), "--json"])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(path), site.url(other.path)]
    for line, article in zip(lines, (seed, other), strict=True):
        assert set(line) >= {"source", "title", "text", "published", "author", "language"}
        assert line["title"] == article.title and line["author"] == article.author
        assert article.paragraphs[-1] in line["text"]
        assert "0 Comments" not in line["text"]
        assert line["language"] == "en" and line["published"].startswith(article.published[:10])
        assert line["error"] is None


def test_extract_reports_pages_without_article_text(tmp_path: Path, site: TestSite) -> None:
    result = CliRunner().invoke(
        app, ["extract", str(tmp_path / "missing.html"), site.url("/nope.html"), "--json"]
    )
    assert result.exit_code == 1
    missing, gone = (json.loads(line) for line in result.stdout.splitlines())
    assert "cannot read" in missing["error"] and missing["text"] == ""
    assert gone["error"] == "HTTP 404"


def test_extract_for_a_person_shows_metadata_then_text(tmp_path: Path) -> None:
    from tests.crawl.testsite import seed_articles

    article = seed_articles()[0]
    path = tmp_path / "ap.html"
    path.write_text(article_html(article), encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(path)])
    assert result.exit_code == 0
    assert "author: The Associated Press" in result.stdout
    assert article.paragraphs[0][:60] in " ".join(result.stdout.split())
