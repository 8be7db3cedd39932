"""The dashboard application: pages, JSON API and Atom feed over the stored state.

`create_app` takes only what it reads — an engine and the dashboard's slice of the
settings — so the notifier stays free of the scheduler; `peacewatch serve` and the
daemon both build it, and the daemon mounts its own routers (`/healthz`, `/metrics`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from crawler.settings import TopicSettings
from notifier.settings import WebSettings
from notifier.web import api, pages
from notifier.web.security import HostCheck, allowed_hosts, guard

STATIC = Path(__file__).with_name("static")


@dataclass(frozen=True)
class DashboardSettings:
    """The parts of the config the dashboard reads."""

    web: WebSettings = field(default_factory=WebSettings)
    topics: Sequence[TopicSettings] = field(default_factory=lambda: [TopicSettings()])
    channels: Sequence[str] = ()

    @classmethod
    def of(cls, settings: Any) -> DashboardSettings:
        """From a `DashboardSettings` or anything shaped like the whole config."""
        if isinstance(settings, cls):
            return settings
        channels = [getattr(c, "name", str(c)) for c in getattr(settings, "channels", [])]
        topics = list(getattr(settings, "topics", None) or [TopicSettings()])
        return cls(web=settings.web, topics=topics, channels=channels)


def create_app(
    engine: Engine,
    settings: Any,
    *,
    routers: Iterable[APIRouter] = (),
    open_paths: Iterable[str] = (),
    host: str | None = None,
) -> FastAPI:
    """The dashboard; `routers` are mounted beside it, `open_paths` skip the token and
    the Host check. `host` is the address served on (default `[web] host`): with
    `[web] public_url`, it decides which Host names are answered."""
    dashboard = DashboardSettings.of(settings)
    open_paths = list(open_paths)
    app = FastAPI(
        title="peacewatch",
        summary="Reported status of the watched talks, its shifts, and the watcher's health.",
        version="1",
        docs_url=None,  # Swagger UI loads from a CDN and needs inline script
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.engine = engine
    app.state.dashboard = dashboard
    public_url = getattr(dashboard.web, "public_url", None)
    hosts = allowed_hosts(host or dashboard.web.host, public_url)
    app.add_middleware(HostCheck, allowed=hosts, open_paths=open_paths)
    app.middleware("http")(guard(dashboard.web.token, open_paths))  # outside: its headers
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    for router in routers:
        app.include_router(router)
    return app
