"""The Host allow-list: no page answers a Host name it was not reached by.

A DNS-rebinding page points its own name at 127.0.0.1 and reads the dashboard as a
same-origin page; a forged Host made the Atom feed link to the forger. The dashboard
answers only the bound address, localhost, 127.0.0.1 and [::1] (when it listens on
loopback) and the host of `[web] public_url`; any other Host gets a 400. Absolute
links are built from `public_url` when it is set, else from the (allowed) Host.
"""

from __future__ import annotations

import socket
from xml.etree import ElementTree as ET

import httpx
import pytest

from notifier.settings import WebSettings
from notifier.web import DashboardSettings, create_app, security
from tests.web.support import LiveServer, Seeded, dashboard_settings

ATOM = "{http://www.w3.org/2005/Atom}"
PATHS = ["/", "/articles", "/operations", "/api/status", "/api/sources", "/shifts.atom"]


def _links(feed: bytes) -> list[str]:
    root = ET.fromstring(feed)
    return [link.get("href") or "" for link in root.iter(f"{ATOM}link")]


def test_a_foreign_host_is_refused_everywhere(seeded: Seeded, live: LiveServer) -> None:
    port = live.url.rsplit(":", 1)[1]
    for path in PATHS:
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "[::2]"):
            response = httpx.get(live.url + path, headers={"Host": host})
            assert response.status_code == 400, (path, host, response.status_code)
            assert "evil" not in response.text
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", "[::1]"):
            response = httpx.get(live.url + path, headers={"Host": host})
            assert response.status_code == 200, (path, host, response.status_code)


def test_the_atom_feed_links_to_the_allowed_name(seeded: Seeded, live: LiveServer) -> None:
    port = live.url.rsplit(":", 1)[1]
    feed = httpx.get(live.url + "/shifts.atom", headers={"Host": f"localhost:{port}"})
    links = _links(feed.content)
    assert links and all(h.startswith(f"http://localhost:{port}/") for h in links), links


def test_public_url_is_the_other_name_and_the_base_of_links(seeded: Seeded) -> None:
    web = WebSettings(public_url="https://watch.example.org/peacewatch/")
    app = create_app(seeded.engine, DashboardSettings(web=web))
    with LiveServer(app) as server:
        assert httpx.get(server.url + "/", headers={"Host": "evil.example"}).status_code == 400
        proxied = httpx.get(server.url + "/shifts.atom", headers={"Host": "watch.example.org"})
        assert proxied.status_code == 200
        direct = httpx.get(server.url + "/shifts.atom")
        for feed in (proxied, direct):
            links = _links(feed.content)
            assert links and all(
                h.startswith("https://watch.example.org/peacewatch/") for h in links
            ), links


def test_open_paths_answer_any_host(seeded: Seeded) -> None:
    from fastapi import APIRouter

    probe = APIRouter()

    @probe.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app = create_app(
        seeded.engine, dashboard_settings(token="t0ken"), routers=[probe], open_paths=["/healthz"]
    )
    with LiveServer(app) as server:
        health = httpx.get(server.url + "/healthz", headers={"Host": "peacewatch:8080"})
        assert health.status_code == 200
        page = httpx.get(server.url + "/", headers={"Host": "evil.example"})
        assert page.status_code in (400, 401)


@pytest.mark.parametrize(
    ("bind", "public_url", "allowed", "refused"),
    [
        ("127.0.0.1", None, ["127.0.0.1", "localhost", "[::1]"], ["evil.example", "0.0.0.0"]),
        ("127.0.0.2", None, ["127.0.0.2", "localhost", "127.0.0.1"], ["example.org"]),
        ("::1", None, ["[::1]", "localhost", "127.0.0.1"], ["::1", "evil.example"]),
        ("localhost", None, ["localhost", "127.0.0.1", "[::1]"], ["evil.example"]),
        ("192.0.2.10", None, ["192.0.2.10"], ["localhost", "127.0.0.1", "evil.example"]),
        (
            "0.0.0.0",
            "https://Watch.Example.org:8443/",
            ["localhost", "127.0.0.1", "watch.example.org", socket.gethostname().lower()],
            ["0.0.0.0", "evil.example", "example.org"],
        ),
        ("::", None, ["localhost", "[::1]", "127.0.0.1"], ["::", "[::]", "evil.example"]),
    ],
)
def test_allowed_hosts(
    bind: str, public_url: str | None, allowed: list[str], refused: list[str]
) -> None:
    names = security.allowed_hosts(bind, public_url)
    assert set(allowed) <= set(names), names
    assert not set(refused) & set(names), names
