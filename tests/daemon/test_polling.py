"""The polling policy as pure decisions: floors, adaptive speed, backoff, offline, 304 trust."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from crawler.fetch.http import retry_after_seconds
from crawler.model import PollResult
from scheduler.daemon.polling import (
    Connectivity,
    PollPolicy,
    backoff,
    header_floor,
    next_poll,
    use_conditional,
)

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
POLICY = PollPolicy(
    interval=timedelta(minutes=15),
    min_interval=timedelta(minutes=5),
    max_interval=timedelta(hours=2),
    max_backoff=timedelta(hours=6),
    jitter=0.1,
    full_fetch_every=3,
)


def _delay(decision) -> float:
    return (decision.at - NOW).total_seconds()


def test_plain_interval_with_jitter_within_ten_percent():
    rng = random.Random(1)
    ok = PollResult("s")
    delays = [_delay(next_poll(ok, POLICY, {}, 0, NOW, rng=rng)) for _ in range(200)]
    assert min(delays) >= 900 * 0.9 and max(delays) <= 900 * 1.1
    assert max(delays) - min(delays) > 60  # it does spread


def test_feed_hints_are_a_floor_and_capped():
    headers = {"cache-control": "public, max-age=3600"}
    decided = next_poll(PollResult("s", headers=headers), POLICY, {}, 0, NOW)
    assert _delay(decided) == 3600 and decided.reason == "Cache-Control max-age 3600s"
    decided = next_poll(PollResult("s", ttl_minutes=60), POLICY, {}, 0, NOW)
    assert _delay(decided) == 3600 and "TTL" in decided.reason
    expires = {"date": "Tue, 20 May 2025 12:00:00 GMT", "expires": "Tue, 20 May 2025 13:00:00 GMT"}
    assert header_floor(expires, None, NOW) == (3600.0, "Expires header")
    decided = next_poll(PollResult("s", error="failed", retry_after="86400000"), POLICY, {}, 1, NOW)
    assert _delay(decided) == 6 * 3600 and "capped" in decided.reason  # never parked
    assert retry_after_seconds("Tue, 20 May 2025 12:10:00 GMT", NOW) == 600
    brief = PollResult("s", headers={"cache-control": "max-age=10"})
    short = next_poll(brief, POLICY, {}, 0, NOW)
    assert _delay(short) >= 900 * 0.9  # a floor never speeds a source up


def test_busy_feeds_speed_up_and_quiet_ones_slow_down_within_bounds():
    state: dict = {}
    for _ in range(20):
        decided = next_poll(PollResult("s", new_articles=5), POLICY, state, 0, NOW)
        state = decided.state
    assert _delay(decided) <= 300 * 1.1 and "busy" in decided.reason
    state = {}
    for _ in range(20):
        decided = next_poll(PollResult("s", new_articles=0), POLICY, state, 0, NOW)
        state = decided.state
    assert 7200 * 0.9 <= _delay(decided) <= 7200 * 1.1 and "quiet" in decided.reason
    fixed = PollPolicy(interval=timedelta(minutes=15), adaptive=False)
    assert _delay(next_poll(PollResult("s"), fixed, state, 0, NOW)) <= 990


def test_failures_back_off_exponentially_capped_and_offline_is_not_penalised():
    assert [backoff(POLICY, n) for n in (1, 2, 3, 4)] == [900, 1800, 3600, 7200]
    assert backoff(POLICY, 50) == 6 * 3600
    decided = next_poll(PollResult("s", error="failed"), POLICY, {}, 3, NOW)
    assert 3600 * 0.9 <= _delay(decided) <= 3600 * 1.1 and "3 failures" in decided.reason
    decided = next_poll(PollResult("s", error="failed"), POLICY, {}, 3, NOW, penalised=False)
    assert _delay(decided) <= 900 * 1.1 and "offline" in decided.reason

    seen = Connectivity()
    seen.record("a", ok=True, network_error=False)
    assert not seen.offline("b", network_error=True)  # others answer: b's own fault
    for name in ("a", "c", "d"):
        seen.record(name, ok=False, network_error=True)
    assert seen.offline("b", network_error=True)  # everyone fails: we are offline
    assert not seen.offline("b", network_error=False)  # an HTTP 500 is the feed's fault
    assert not Connectivity().offline("only", network_error=True)


def test_304_is_trusted_only_while_a_full_fetch_confirms_it():
    state: dict = {}
    sent = []
    for _ in range(6):
        conditional = use_conditional(state, NOW)
        sent.append(conditional)
        signal = PollResult("s", not_modified=conditional, conditional=conditional)
        state = next_poll(signal, POLICY, state, 0, NOW).state
    assert sent == [True, True, True, False, True, True]  # every 3rd poll is a full fetch

    # A full fetch after 304s that finds new articles: the 304s were hiding them.
    state = {"since_304": 2, "full_fetch_due": True, "conditional_polls": 3}
    signal = PollResult("s", new_articles=2, conditional=False)
    state = next_poll(signal, POLICY, state, 0, NOW).state
    assert not use_conditional(state, NOW + timedelta(hours=1))
    assert use_conditional(state, NOW + timedelta(days=2))
