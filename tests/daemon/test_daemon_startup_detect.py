"""Articles stored by a daemon stopped before it could detect (SIGKILL right after the
commit) are looked at when the next daemon starts, not only when more articles come."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from crawler.model import Candidate
from crawler.store.db import session_scope
from scheduler.config import load_settings
from scheduler.database import open_database
from scheduler.pipeline import build_ingestor
from tests.conftest import write_config
from tests.servers import LocalHTTPServer, Response

# Two outlets, each in its own words: two independent reports of the ceasefire.
CEASEFIRE = {
    "wire": "Kyiv and Moscow agreed a full ceasefire that took effect at midnight, officials "
    "from both sides said after talks mediated by Turkey.",
    "paper": "Guns fell silent along the front on Tuesday as a month-long truce between "
    "Russia and Ukraine began, our correspondent in Kyiv writes.",
}


def test_daemon_detects_at_start_what_a_killed_one_stored(tmp_path, daemons):
    hooks = LocalHTTPServer().start()
    try:
        hooks.route("/hook", Response(200, b"ok"))
        db = tmp_path / "pw.db"
        config = write_config(
            tmp_path / "pw.toml",
            database=f"sqlite:///{db}",
            channels=[{"name": "desk", "kind": "webhook", "url": hooks.url("/hook")}],
            sections={"web": {"port": 0}, "alerts": {"group_wait": "1s"}},
        )
        settings = load_settings(config)
        engine = open_database(settings.database.url)
        now = datetime.now(UTC)
        with session_scope(engine) as session:  # what the killed daemon committed
            build_ingestor(settings).ingest(
                session,
                [
                    Candidate(
                        url=f"https://{outlet}.com/world/ceasefire.html",
                        title=f"Russia and Ukraine agree a 30-day ceasefire, {outlet} reports",
                        topic=settings.topics[0].name,
                        summary=CEASEFIRE[outlet],
                        published=now,
                    )
                    for outlet in ("wire", "paper")
                ],
                now=now,
            )
        engine.dispose()

        daemon = daemons(config).started()
        deadline = time.monotonic() + 10
        while hooks.hits("/hook") == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hooks.hits("/hook") == 1, daemon.output()
        body = json.loads(hooks.requests[0].body)
        assert body["shift"]["to"] == "ceasefire"
        code, _ = daemon.terminate()
        assert code == 0
    finally:
        hooks.stop()
