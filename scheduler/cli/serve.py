"""`peacewatch serve`: the dashboard, API and Atom feed on their own."""

from __future__ import annotations

from typing import Annotated

import typer

from scheduler.cli.app import ConfigOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import err_console, fail


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to bind (default: \\[web] host).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=0, max=65535, help="Port (default: \\[web] port)."),
    ] = None,
) -> None:
    """Serve the dashboard, JSON API (/api/…) and Atom feed (/shifts.atom).

    Binds 127.0.0.1 by default; any other address needs `\\[web] token`, which every
    request must then carry (Authorization: Bearer <token>, or ?token=<token> once).
    Requests must name an allowed Host (the bound address; localhost, 127.0.0.1 and
    \\[::1] on loopback; the host of `\\[web] public_url`): others get a 400.
    """
    import uvicorn

    from notifier.web import BindError, check_bind, create_app

    settings = settings_or_exit(config)
    bind_host = host or settings.web.host
    bind_port = settings.web.port if port is None else port
    try:
        check_bind(bind_host, settings.web.token)
    except BindError as exc:
        fail(str(exc))
    engine = engine_or_exit(settings)
    shown = f"[{bind_host}]" if ":" in bind_host else bind_host
    err_console.print(f"dashboard on http://{shown}:{bind_port}/ (Ctrl-C to stop)")
    try:
        uvicorn.run(
            create_app(engine, settings, host=bind_host),
            host=bind_host,
            port=bind_port,
            log_level="warning",
            server_header=False,
        )
    except OSError as exc:
        fail(f"cannot serve on {bind_host}:{bind_port}: {exc.strerror or exc}")
