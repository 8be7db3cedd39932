"""`peacewatch classify` and `peacewatch reclassify`: reading the status of articles.

`classify` needs no stored state and no config file: it reads one article (a file,
a URL or stdin; plain text whose first line is the headline, or an HTML page) or a
JSON-lines batch, and says what status it reports and why. `reclassify` re-reads
every stored article after a lexicon or backend change.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from crawler.status.language import detect
from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import (
    console,
    emit_json,
    emit_json_lines,
    err_console,
    fail,
    show_progress,
)

if TYPE_CHECKING:
    from crawler.fetch.http import FetchResult
    from crawler.model import Classification, Classifier
    from crawler.settings import NetworkSettings, TopicSettings
    from crawler.status.rules import RulesClassifier

RECLASSIFY_BATCH = 200
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
_HTML = re.compile(r"^\s*(?:<!doctype\s+html|<html|<head|<body|<article|<!--)", re.IGNORECASE)
_STYLE = {
    "proposed": "bold cyan",
    "scheduled": "bold blue",
    "ongoing": "bold",
    "progress": "bold green",
    "stalled": "bold yellow",
    "collapsed": "bold red",
    "ceasefire": "bold magenta",
    "agreement": "bold green",
}

TopicOption = Annotated[
    str | None,
    typer.Option("--topic", help="Classify for this configured topic (default: the first)."),
]


def _topic(config: Path | None, name: str | None) -> TopicSettings:
    settings = settings_or_exit(config)
    try:
        return settings.topic(name)
    except KeyError:
        fail(f"unknown topic {name!r} (known: {', '.join(t.name for t in settings.topics)})")


def _classifier(topic: TopicSettings) -> Classifier:
    from crawler.status.backend import make_classifier
    from crawler.status.learned.model import ModelError
    from crawler.status.lexicon import LexiconError

    if topic.classifier.backend == "model":
        from crawler.status.learned.tuned import prefetch

        prefetch()
    try:
        return make_classifier(topic)
    except (LexiconError, ModelError) as exc:
        fail(str(exc))


def _fetch(url: str, network: NetworkSettings) -> tuple[str, str]:
    """The page at `url` as text and its final URL, fetched as the crawler fetches:
    the URL a user types is trusted like a configured source, a redirect to another
    host is checked like any link, and the size cap and time budget hold."""
    from w3lib.encoding import html_to_unicode

    from crawler.fetch.http import HttpFetcher

    async def get() -> FetchResult:
        async with HttpFetcher(network) as fetcher:
            return await fetcher.get(url, accept=PAGE_ACCEPT)

    result = asyncio.run(get())
    _, text = html_to_unicode(result.headers.get("content-type"), result.body)
    return text, result.url


def read_article(raw: str, url: str | None = None) -> tuple[str, str]:
    """Headline and body of plain text (first line is the headline) or of an HTML page."""
    if _HTML.match(raw) or "<html" in raw[:2000].lower():
        from crawler.extract.article import extract_article

        page = extract_article(raw, url)
        if not page.text and not page.title:
            raise ValueError(page.error or "no article text found")
        return page.title, page.text
    title, _, body = raw.strip().partition("\n")
    return title.strip(), body.strip()


def _load(source: str, network: NetworkSettings) -> tuple[str, str]:
    url: str | None = None
    try:
        if source == "-":
            raw = sys.stdin.read()
        elif re.match(r"^https?://", source, re.IGNORECASE):
            from crawler.fetch.http import FetchError  # only a URL needs the HTTP stack

            try:
                raw, url = _fetch(source, network)
            except FetchError as exc:
                fail(f"{source}: {exc}")
        else:
            raw = Path(source).read_bytes().decode("utf-8", "replace")
        return read_article(raw, url)
    except FileNotFoundError:
        fail(f"{source}: no such file")
    except OSError as exc:
        fail(f"{source}: {exc.strerror or exc or type(exc).__name__}")
    except ValueError as exc:
        fail(f"{source}: {exc}")


def highlighted(sentence: str, rules: RulesClassifier) -> Text:
    """`sentence` with its cue phrases styled by the status they cue."""
    text = Text(sentence)
    for start, end, status in rules.cue_spans(sentence):
        text.stylize(_STYLE.get(status, "bold"), start, end)
    return text


def _show(verdict: Classification, rules: RulesClassifier) -> None:
    style = _STYLE.get(verdict.status, "")
    line = Text.assemble("status: ", (verdict.status, style), f"  confidence: {verdict.confidence}")
    console.print(line, soft_wrap=True)
    if not verdict.evidence:
        console.print("evidence: (none)", soft_wrap=True)
        return
    console.print("evidence:", soft_wrap=True)
    for sentence in verdict.evidence:
        console.print(Text("  - ") + highlighted(sentence, rules), soft_wrap=True)


def _batch_lines(path: str) -> Iterator[tuple[int, str]]:
    if path == "-":
        yield from enumerate(sys.stdin, start=1)
        return
    with Path(path).open(encoding="utf-8", errors="replace") as handle:
        yield from enumerate(handle, start=1)


def _run_batch(path: str, classifier: Classifier) -> int:
    bad = 0

    def results() -> Iterator[dict[str, Any]]:
        nonlocal bad
        for number, line in _batch_lines(path):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise ValueError("not a JSON object")
                title, text = item.get("title") or "", item.get("text") or ""
                if not isinstance(title, str) or not isinstance(text, str):
                    raise ValueError("title and text must be strings")
            except ValueError as exc:
                bad += 1
                err_console.print(f"{path}:{number}: skipped: {exc}", highlight=False, markup=False)
                continue
            language = detect(title, text, item.get("lang") or item.get("language"))
            verdict = classifier(title, text, language)
            yield {"id": item.get("id"), **verdict.as_dict(), "language": language}

    try:
        emit_json_lines(results())
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
    return bad


@app.command()
def classify(
    source: Annotated[
        str | None,
        typer.Argument(
            help="A text file (first line is the headline), an HTML file, a URL, "
            "or - for stdin (the default).",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            help="Classify many: JSON lines {id, title, text} in (- for stdin), "
            "JSON lines {id, status, confidence, evidence} out.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    topic: TopicOption = None,
    json_output: JsonOption = False,
) -> None:
    """The reported status of the talks in one article, with the sentences that decided it."""
    chosen = _topic(config, topic)
    classifier = _classifier(chosen)
    if batch is not None:
        if source is not None:
            fail("give either an article or --batch, not both")
        if _run_batch(batch, classifier):
            raise typer.Exit(1)
        return
    network = settings_or_exit(config).network
    title, text = _load(source or "-", network)
    verdict = classifier(title, text, detect(title, text))
    if json_output:
        emit_json(verdict.as_dict())
    else:
        from crawler.status.backend import rules_for

        _show(verdict, rules_for(chosen))


@app.command()
def reclassify(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Re-read the status of every stored article (after a lexicon or backend change)."""
    from crawler.store import articles

    settings = settings_or_exit(config)
    engine = engine_or_exit(settings)
    classifiers = {t.name: _classifier(t) for t in settings.topics}
    fallback = classifiers[settings.topics[0].name]
    progress = Progress(
        TextColumn("reclassifying"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        disable=not show_progress(json_output),
    )
    with progress:
        task = progress.add_task("reclassify", total=None)
        seen, changed, updated = articles.reread(
            engine,
            lambda a: classifiers.get(a.topic, fallback)(a.title, a.text or a.summary, a.language),
            batch=RECLASSIFY_BATCH,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if json_output:
        emit_json({"articles": seen, "changed": changed, "updated": updated})
    else:
        err_console.print(
            f"reclassified {seen} articles: {changed} changed status, {updated} updated"
        )
