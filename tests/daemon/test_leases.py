"""Row leases on SQLite and PostgreSQL: each due row goes to one worker, expired leases
are taken over, and the advisory lock lets one worker at a time in."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from crawler.clock import utcnow
from crawler.store.db import session_scope
from crawler.store.leases import claim_rows, claim_sources, exclusive, release_owner
from crawler.store.tables import Source
from notifier.tables import Alert
from scheduler.database import open_database


def _alerts(engine, n: int) -> None:
    with session_scope(engine) as session:
        for i in range(n):
            session.add(Alert(channel="ops", idempotency_key=f"k{i}", payload={"i": i}))


def test_each_pending_alert_is_claimed_by_exactly_one_of_three_workers(any_db_url):
    engine = open_database(any_db_url)
    _alerts(engine, 60)
    claimed: dict[str, list[int]] = {f"w{i}": [] for i in range(3)}
    start = threading.Barrier(3)

    errors: list[BaseException] = []

    def worker(owner: str) -> None:
        try:
            work(owner)
        except BaseException as exc:
            errors.append(exc)

    def work(owner: str) -> None:
        start.wait()
        while True:
            now = utcnow()
            with session_scope(engine) as session:
                ids = claim_rows(
                    session,
                    Alert,
                    Alert.state == "pending",
                    owner=owner,
                    now=now,
                    lease=timedelta(minutes=1),
                    order_by=[Alert.next_attempt_at],
                    limit=4,
                )
            if not ids:
                return
            claimed[owner] += ids
            time.sleep(0.02)  # sending takes a while; others claim meanwhile
            with session_scope(engine) as session:  # "send", then record the outcome
                for alert_id in ids:
                    alert = session.get(Alert, alert_id)
                    alert.state, alert.lease_owner, alert.lease_until = "sent", None, None

    threads = [threading.Thread(target=worker, args=(o,)) for o in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    everything = [i for ids in claimed.values() for i in ids]
    assert sorted(everything) == list(range(1, 61))  # all sent, none twice
    if any_db_url.startswith("postgresql"):  # SKIP LOCKED: workers take different rows
        assert sum(1 for ids in claimed.values() if ids) >= 2


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(any_db_url):
    engine = open_database(any_db_url)
    with session_scope(engine) as session:
        session.add(Source(name="s", url="http://x/", topic="t"))
    now = utcnow()
    with session_scope(engine) as session:
        assert [r.name for r in claim_sources(session, "dead", now, timedelta(seconds=5))] == ["s"]
    with session_scope(engine) as session:
        early = now + timedelta(seconds=4)
        assert claim_sources(session, "alive", early, timedelta(seconds=5)) == []
    with session_scope(engine) as session:
        rows = claim_sources(session, "alive", now + timedelta(seconds=6), timedelta(seconds=5))
        assert [r.lease_owner for r in rows] == ["alive"]
    with session_scope(engine) as session:
        assert release_owner(session, Source, "alive") == 1


def test_advisory_lock_admits_one_worker_at_a_time(pg_url):
    engine = open_database(pg_url)
    with exclusive(engine, "detect") as first:
        with exclusive(engine, "detect") as second:
            assert first and not second
        with exclusive(engine, "retention") as other:
            assert other
    with exclusive(engine, "detect") as again:
        assert again
    engine.dispose()


def test_sqlite_exclusive_is_always_granted(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    with exclusive(engine, "detect") as mine:
        assert mine
