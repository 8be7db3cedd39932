"""`peacewatch run`: the daemon, until SIGTERM or SIGINT."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import typer

from scheduler.cli.app import ConfigOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import fail

LogFormat = Literal["text", "json"]


@app.command()
def run(
    config: ConfigOption = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="Log lines as text (default, or [daemon] log_format) or as JSON objects.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Watch the sources on schedule, detect shifts and send alerts until stopped.

    Serves /healthz and /metrics on [web] host and port. SIGTERM or SIGINT stops it
    cleanly (exit 0). On SQLite only one daemon may run per database; on PostgreSQL
    start as many as you like: they share the work.
    """
    from crawler.runtime.loop import run as run_loop
    from notifier.web import BindError, check_bind
    from scheduler.daemon import logs
    from scheduler.daemon.instance_lock import AlreadyRunning, InstanceLock

    if log_format not in (None, "text", "json"):
        fail(f"--log-format: expected text or json, got {log_format!r}")
    settings = settings_or_exit(config)
    try:
        check_bind(settings.web.host, settings.web.token)
    except BindError as exc:
        fail(str(exc))
    chosen: LogFormat = log_format or settings.daemon.log_format  # type: ignore[assignment]
    logs.configure(chosen)
    lock = InstanceLock(settings.database.url)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        fail(str(exc), code=1)
    _announce(settings)
    try:
        engine = engine_or_exit(settings)

        from scheduler.daemon.daemon import Daemon  # the heavy imports, after the summary
        from scheduler.daemon.ops_web import WebError

        try:
            code = run_loop(Daemon(settings, engine).run())
        except WebError as exc:
            fail(str(exc), code=1)
        engine.dispose()
    finally:
        lock.release()
    raise typer.Exit(code)


def _announce(settings: Any) -> None:
    """Say at once what the daemon is about to do, before the seconds of imports and
    worker start-up: which sources, which database, where the dashboard will be. Each
    source's first outcome then follows as its own `poll …` line."""
    import logging

    from scheduler.daemon.logs import log

    sources = [s for s in settings.sources if s.enabled]
    kinds: dict[str, int] = {}
    for source in sources:
        kinds[source.kind] = kinds.get(source.kind, 0) + 1
    web = settings.web
    host = f"[{web.host}]" if ":" in web.host else web.host
    dashboard = f"http://{host}:{web.port}/"
    names = ", ".join(s.name for s in sources[:8]) + (", …" if len(sources) > 8 else "")
    by_kind = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    log(
        logging.INFO,
        f"peacewatch run: {len(sources)} sources ({by_kind or 'none'}: {names}), "
        f"database {settings.database.url}, dashboard on {dashboard}; "
        "first polls start now, each source's outcome follows",
        event="starting",
        sources=[s.name for s in sources],
        database=settings.database.url,
        dashboard=dashboard,
    )
