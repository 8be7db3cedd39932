"""`peacewatch run`: a webhook receiver that trickles its answer holds up no other channel.

The slow channel's timeout is long (30 s), so even a send that honours it would, under
one delivery lock for every channel, keep the other channel's alert waiting that long.
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime

from tests.conftest import write_config
from tests.feeds import Entry, rss
from tests.hostile.trickle import TrickleReceiver
from tests.servers import LocalHTTPServer, Response

# Each outlet reports in its own words: independent reports, not one wire text.
CEASEFIRE = {
    "wire": "Kyiv and Moscow agreed a full ceasefire that took effect at midnight, "
    "officials from both sides said after talks mediated by Turkey.",
    "paper": "Guns fell silent along the front on Tuesday as a month-long truce between "
    "Russia and Ukraine began, our correspondent in Kyiv writes.",
}
COLLAPSE = {
    "wire": "The talks between Kyiv and Moscow collapsed on Tuesday when both "
    "delegations walked out; mediators said negotiations were suspended.",
    "paper": "Negotiations broke down in Istanbul as the Russian and Ukrainian teams left "
    "the table, and the hosts called off the next round indefinitely.",
}
INTERVAL = 2.0


def test_a_trickling_receiver_does_not_hold_up_the_other_channel(tmp_path, daemons):
    feeds = LocalHTTPServer().start()
    hooks = LocalHTTPServer().start()
    slow = TrickleReceiver(every=2.0).start()
    try:
        entries: dict[str, list[Entry]] = {"wire": [], "paper": []}
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
            channels=[  # the slow one first: its alert is claimed first
                {"name": "slow", "kind": "webhook", "url": slow.url, "timeout": "30s"},
                {"name": "fast", "kind": "webhook", "url": hooks.url("/hook")},
            ],
            sections={
                "web": {"port": 0},
                "daemon": {"min_interval": "1s", "max_interval": f"{INTERVAL:g}s"},
                "alerts": {"group_wait": "1s", "cooldown": "1s"},
            },
        )
        daemon = daemons(config, "--log-format", "json").started()
        daemon.wait_for(r'"event": "poll".*"source": "paper"')

        for name in entries:
            entries[name].append(
                Entry(
                    f"Russia and Ukraine agree a 30-day ceasefire, {name} reports",
                    f"https://{name}.com/world/ceasefire-agreed.html",
                    CEASEFIRE[name],
                    datetime.now(UTC),
                )
            )
        added = time.monotonic()
        deadline = added + INTERVAL * 1.1 + 8
        while time.monotonic() < deadline and hooks.hits("/hook") == 0:
            time.sleep(0.1)
        assert len(slow.requests) == 1, daemon.output()
        assert hooks.hits("/hook") == 1, "the fast channel waited for the slow one"

        # The slow send is still under way (its deadline is 30 s away); the next shift's
        # pass must not wait for it either.
        for name in entries:
            entries[name].append(
                Entry(
                    f"Russia-Ukraine talks collapse as delegations walk out, {name} reports",
                    f"https://{name}.com/world/talks-collapse.html",
                    COLLAPSE[name],
                    datetime.now(UTC),
                )
            )
        added = time.monotonic()
        deadline = added + INTERVAL * 1.1 + 8
        while time.monotonic() < deadline and hooks.hits("/hook") < 2:
            time.sleep(0.1)
        assert hooks.hits("/hook") == 2, daemon.output()
        assert len(slow.requests) == 1, "a second send to a channel whose lane is busy"

        code, took = daemon.terminate(signal.SIGTERM)
        assert code == 0 and took < 10, daemon.output()
    finally:
        slow.stop()
        feeds.stop()
        hooks.stop()
