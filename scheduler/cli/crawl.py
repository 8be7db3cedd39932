"""`peacewatch crawl`: one pass over the sources, then shifts and alerts."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import console, emit_json, err_console, fail, show_progress


@app.command()
def crawl(
    config: ConfigOption = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    no_alerts: Annotated[
        bool,
        typer.Option("--no-alerts", help="Record shifts but queue and send no alerts."),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Poll every source once, store new articles, then detect shifts and send alerts.

    Exits 0 even when some sources fail: they are listed under errors.
    """
    from crawler.crawl import Crawl
    from crawler.runtime.loop import run
    from scheduler.alerting import alert_after_batch
    from scheduler.pipeline import build_ingestor

    settings = settings_or_exit(config)
    sources = settings.sources
    if source:
        known = {s.name for s in sources}
        unknown = [name for name in source if name not in known]
        if unknown:
            fail(f"unknown source {unknown[0]!r} (see `peacewatch sources`)")
        sources = [s for s in sources if s.name in source]
    engine = engine_or_exit(settings)
    ingestor = build_ingestor(settings)

    progress = _progress(len(sources), enabled=show_progress(json_output))
    with progress as on_event:
        job = Crawl(engine, ingestor, settings.network, progress=on_event)
        progress.report = job.report
        report = run(job.run(sources))

    result: dict[str, Any] = report.as_dict()
    result["shifts"], result["alerts_sent"] = run(
        alert_after_batch(engine, settings, alert=not no_alerts)
    )
    if json_output:
        emit_json(result)
    else:
        _summary(result)


class _progress:
    """A Rich progress bar over sources (and pages) when a person is watching."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.enabled = total, enabled
        self.bar: Progress | None = None
        self.report: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("sources", total=self.total, detail="")
        pages = 0

        def on_event(event: str, name: str) -> None:
            nonlocal pages
            assert self.bar is not None
            if event == "page":
                pages += 1
            if event == "done":
                self.bar.advance(task)
            if event in ("done", "page"):
                stored = self.report.new_articles if self.report is not None else 0
                self.bar.update(task, detail=f"{pages} pages fetched, {stored} articles stored")

        return on_event

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _summary(result: dict[str, Any]) -> None:
    """The human summary, on stdout (progress stays on stderr)."""
    unchanged = result.get("not_modified") or 0
    console.print(
        f"[bold]{result['sources']}[/] sources, {result['entries_seen']} entries seen"
        + (f" ({unchanged} feeds unchanged)" if unchanged else "")
        + f", [bold green]{result['new_articles']}[/] new articles, "
        f"{result['duplicates']} duplicates, {result['near_duplicates']} near-duplicates, "
        f"{result['skipped']} off-topic",
        soft_wrap=True,
    )
    for kind, mark, style in (("error", "✗", "red"), ("warning", "!", "yellow")):
        for problem in result[f"{kind}s"]:
            console.print(
                f"  {mark} {problem['source']}: {problem[kind]}",
                style=style,
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
    for shift in result["shifts"]:
        line = f"  shift: {shift['from'] or 'none'} → {shift['to']} ({shift['kind']}, "
        line += f"{shift['support']['outlets']} outlets)"
        if shift["suppressed"]:
            line += f" — suppressed: {shift['suppressed']}"
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    if result["alerts_sent"]:
        console.print(f"{result['alerts_sent']} alerts sent")
