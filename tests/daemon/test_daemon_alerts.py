"""`peacewatch run` end to end: a new item that shifts coverage reaches a webhook in time."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime

from tests.conftest import write_config
from tests.feeds import Entry, rss
from tests.servers import LocalHTTPServer, Response

INTERVAL = 2.0


def test_new_items_that_shift_coverage_alert_a_webhook_once(tmp_path, daemons):
    feeds = LocalHTTPServer().start()
    hooks = LocalHTTPServer().start()
    try:
        now = datetime.now(UTC)
        entries = {
            name: [
                Entry(
                    f"Ukrainian and Russian negotiators meet again in Geneva ({name})",
                    f"https://{name}.com/world/geneva-talks.html",
                    "Delegations from Kyiv and Moscow held talks on Monday.",
                    now,
                )
            ]
            for name in ("wire", "paper")
        }
        for name in entries:
            feeds.route(
                f"/{name}.xml",
                lambda _r, name=name: Response(
                    body=rss(entries[name]), headers={"Content-Type": "application/rss+xml"}
                ),
            )
        hooks.route("/hook", Response(200, b"ok"))
        config = write_config(
            tmp_path / "pw.toml",
            database=f"sqlite:///{tmp_path / 'pw.db'}",
            sources=[
                {"name": n, "url": feeds.url(f"/{n}.xml"), "interval": f"{INTERVAL:g}s"}
                for n in entries
            ],
            channels=[
                {"name": "ops", "kind": "webhook", "url": hooks.url("/hook"), "secret": "s3cret"}
            ],
            sections={
                "web": {"port": 0},
                "daemon": {"min_interval": "1s", "max_interval": f"{INTERVAL:g}s"},
                "alerts": {"group_wait": "1s"},
            },
        )
        daemon = daemons(config, "--log-format", "json").started()
        daemon.wait_for(r'"event": "poll".*"source": "paper"')
        assert hooks.hits("/hook") == 0

        # Two outlets report the ceasefire in their own words: two independent reports
        # (one wire text printed by both would be one report, and alert nothing).
        reports = {
            "wire": "Kyiv and Moscow agreed a full ceasefire that took effect at midnight, "
            "officials from both sides said after talks mediated by Turkey.",
            "paper": "Guns fell silent along the front on Tuesday as a month-long truce "
            "between Russia and Ukraine began, our correspondent in Kyiv writes.",
        }
        for name in entries:
            entries[name].append(
                Entry(
                    f"Russia and Ukraine agree a 30-day ceasefire, {name} reports",
                    f"https://{name}.com/world/ceasefire-agreed.html",
                    reports[name],
                    datetime.now(UTC),
                )
            )
        added = time.monotonic()
        deadline = added + INTERVAL * 1.1 + 5
        while time.monotonic() < deadline and hooks.hits("/hook") == 0:
            time.sleep(0.1)
        assert hooks.hits("/hook") == 1, daemon.output()
        assert time.monotonic() - added <= INTERVAL * 1.1 + 5
        [request] = [r for r in hooks.requests if r.path == "/hook"]
        body = json.loads(request.body)
        assert body["shift"]["to"] == "ceasefire"
        assert body["shift"]["support"]["outlets"] == 2
        assert request.headers["x-peacewatch-delivery"]
        assert request.headers["x-peacewatch-signature"].startswith("sha256=")

        time.sleep(INTERVAL * 2)  # more polls, no new coverage: no second alert
        assert hooks.hits("/hook") == 1
        code, took = daemon.terminate(signal.SIGTERM)
        assert code == 0 and took < 10
    finally:
        feeds.stop()
        hooks.stop()
