"""`peacewatch extract`: the text and metadata peacewatch reads from article pages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import settings_or_exit
from scheduler.cli.output import console, emit_json_lines

if TYPE_CHECKING:
    from crawler.extract.article import ExtractedPage

FIELDS = ("source", "title", "text", "published", "author", "language", "error")


def _is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def _read_file(path: str) -> ExtractedPage:
    from w3lib.encoding import html_to_unicode

    from crawler.extract.article import ExtractedPage, extract_article

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return ExtractedPage(source=path, title="", text="", error=f"cannot read {path}: {exc}")
    _, html = html_to_unicode(None, raw)
    page = extract_article(html, None)
    page.source = path
    return page


def _show(page: ExtractedPage) -> None:
    console.rule(escape(page.source or ""), style="dim")
    for name in ("title", "published", "author", "language"):
        value = getattr(page, name)
        if value:
            console.print(f"[bold]{name}:[/] {escape(value)}", highlight=False)
    if page.error:
        console.print(f"[bold red]no text:[/] {escape(page.error)}", highlight=False)
    else:
        console.print()
        console.print(escape(page.text), highlight=False, soft_wrap=True)


@app.command("extract")
def extract_command(
    targets: Annotated[
        list[str], typer.Argument(metavar="PATH|URL...", help="HTML files or page URLs.")
    ],
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the text and metadata peacewatch reads from article pages.

    Pages are read exactly as crawls read them (trafilatura, htmldate, the same
    User-Agent, robots.txt and size limits), so you can see why an article was
    classified the way it was. Cookie walls, paywall stubs, error pages and
    too-short pages are reported as such. Exit status 1 if any page gave no text.
    """
    urls = [t for t in targets if _is_url(t)]
    fetched: dict[str, ExtractedPage] = {}
    if urls:
        from crawler.runtime.loop import run
        from crawler.sources.sites import read_pages

        network = settings_or_exit(config).network
        fetched = dict(zip(urls, run(read_pages(urls, network, trusted=True)), strict=True))
    pages = [fetched[t] if _is_url(t) else _read_file(t) for t in targets]
    if json_output:
        emit_json_lines({name: getattr(page, name) for name in FIELDS} for page in pages)
    else:
        for page in pages:
            _show(page)
    if any(page.error for page in pages):
        raise typer.Exit(1)
