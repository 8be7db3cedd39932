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

    Also answers /healthz (200 while the database answers) and /metrics (Prometheus
    text), without the token, for probes. Binds 127.0.0.1 by default; any other
    address needs `\\[web] token`, which every request must then carry
    (Authorization: Bearer <token>, or ?token=<token> once).
    Requests must name an allowed Host (the bound address; localhost, 127.0.0.1 and
    \\[::1] on loopback; the host of `\\[web] public_url`): others get a 400.
    """
    import socket

    import uvicorn

    from notifier.web import BindError, check_bind, create_app
    from scheduler.daemon.metrics import Metrics
    from scheduler.daemon.ops_web import ServeLiveness, ops_router

    settings = settings_or_exit(config)
    bind_host = host or settings.web.host
    bind_port = settings.web.port if port is None else port
    try:
        check_bind(bind_host, settings.web.token)
    except BindError as exc:
        fail(str(exc))
    engine = engine_or_exit(settings)
    # Bind before saying where: a busy port is one error line, never "dashboard on …"
    # followed by uvicorn's own failure.
    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((bind_host, bind_port))
    except OSError as exc:
        sock.close()
        fail(f"cannot serve on {bind_host}:{bind_port}: {exc.strerror or exc}", code=1)
    sock.listen(128)
    bound_port = sock.getsockname()[1]
    app = create_app(
        engine,
        settings,
        host=bind_host,
        routers=[ops_router(ServeLiveness(engine), Metrics(engine))],
        open_paths=["/healthz", "/metrics"],
    )
    shown = f"[{bind_host}]" if ":" in bind_host else bind_host
    err_console.print(f"dashboard on http://{shown}:{bound_port}/ (Ctrl-C to stop)")
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", server_header=False, access_log=False)
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
