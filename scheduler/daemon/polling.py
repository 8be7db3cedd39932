"""When to poll a source next, and why: pure decisions over what the last poll showed.

A feed's own hints (RSS `<ttl>`, Cache-Control max-age, Expires, Retry-After) are a
floor under the next poll, capped so a hostile header cannot park a source. Busy feeds
speed up and quiet ones slow down within the configured bounds, from how many new
articles recent polls found. A failing source backs off exponentially up to a cap and
is always tried again. A 304 is trusted only while an occasional full fetch (no
conditional headers) confirms that nothing was being hidden.

The state these decisions carry between polls lives in `Source.state` as plain JSON.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from crawler.clock import as_utc
from crawler.config_types import format_duration
from crawler.fetch.http import retry_after_seconds
from crawler.model import PollResult

HISTORY = 6  # polls remembered for adaptive speed
SPEED_UP = 0.75
SLOW_DOWN = 1.5
DISTRUST_304 = timedelta(days=1)


@dataclass(frozen=True)
class PollPolicy:
    """The daemon's polling bounds (from `[daemon]`), applied to one source."""

    interval: timedelta
    min_interval: timedelta = timedelta(minutes=2)
    max_interval: timedelta = timedelta(hours=6)
    max_backoff: timedelta = timedelta(hours=6)
    jitter: float = 0.1
    adaptive: bool = True
    full_fetch_every: int = 10

    @property
    def fastest(self) -> float:
        return min(self.interval, self.min_interval).total_seconds()

    @property
    def slowest(self) -> float:
        return max(self.interval, self.max_interval).total_seconds()


@dataclass(frozen=True)
class NextPoll:
    at: datetime
    reason: str
    state: dict[str, Any]


def use_conditional(state: dict[str, Any], now: datetime) -> bool:
    """Send ETag/Last-Modified this time? No on every Nth poll, or while 304s are doubted."""
    until = _parse_iso(state.get("distrust_304_until"))
    if until is not None and now < until:
        return False
    return not state.get("full_fetch_due", False)


def header_floor(
    headers: dict[str, str], ttl_minutes: int | None, now: datetime
) -> tuple[float, str] | None:
    """The longest wait a response asks for through its caching headers or feed TTL."""
    floors: list[tuple[float, str]] = []
    cache = headers.get("cache-control", "")
    for directive in cache.split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() in ("max-age", "s-maxage") and value.strip('"').isdigit():
            age = headers.get("age", "0")
            seconds = int(value.strip('"')) - (int(age) if age.isdigit() else 0)
            floors.append((float(seconds), f"Cache-Control max-age {seconds}s"))
    if headers.get("expires") and "max-age" not in cache.lower():
        expires = _http_date(headers["expires"])
        if expires is not None:
            date = _http_date(headers.get("date", "")) or now
            floors.append(((expires - date).total_seconds(), "Expires header"))
    if ttl_minutes and ttl_minutes > 0:
        floors.append((ttl_minutes * 60.0, f"feed TTL {ttl_minutes}m"))
    floors = [f for f in floors if f[0] > 0]
    return max(floors) if floors else None


def backoff(policy: PollPolicy, failures: int) -> float:
    """Exponential in consecutive failures, starting from the interval, capped."""
    base = policy.interval.total_seconds()
    cap = max(policy.max_backoff.total_seconds(), base)
    return min(cap, base * 2 ** max(0, min(failures, 40) - 1))


def adapt(factor: float, recent_new: list[int], policy: PollPolicy) -> tuple[float, str | None]:
    """Speed up while polls keep finding new articles; slow down while they find none."""
    if not policy.adaptive:
        return 1.0, None
    base = policy.interval.total_seconds()
    low, high = policy.fastest / base, policy.slowest / base
    if len(recent_new) < 3:
        return min(max(factor, low), high), None
    last = recent_new[-3:]
    if all(n > 0 for n in last) and sum(last) > len(last):
        factor, why = factor * SPEED_UP, "busy"
    elif not any(recent_new):
        factor, why = factor * SLOW_DOWN, "quiet"
    else:
        return min(max(factor, low), high), None
    return min(max(factor, low), high), why


def next_poll(
    signal: PollResult,
    policy: PollPolicy,
    state: dict[str, Any],
    consecutive_failures: int,
    now: datetime,
    *,
    penalised: bool = True,
    rng: random.Random | None = None,
) -> NextPoll:
    """When to poll next and why, and the state to remember; `state` is not modified.

    `consecutive_failures` already counts this poll when it failed; `penalised` is
    False when the failure is not the source's fault (every source failing at once).
    """
    rng = rng or random.Random()
    state = dict(state)
    factor = float(state.get("factor", 1.0))
    reason: str
    if signal.ok:
        recent = [*list(state.get("recent_new", [])), signal.new_articles][-HISTORY:]
        state["recent_new"] = recent
        _confirm_304(state, signal, now)
        factor, why = adapt(factor, recent, policy)
        state["factor"] = factor
        delay = policy.interval.total_seconds() * factor
        if why:
            reason = f"adaptive: {why} feed, every {_fmt(delay)}"
        elif factor != 1.0:
            reason = f"adaptive interval {_fmt(delay)}"
        else:
            reason = f"interval {_fmt(delay)}"
        delay = _jittered(delay, policy, rng)
    elif not penalised:
        delay = _jittered(policy.interval.total_seconds() * factor, policy, rng)
        reason = "every source failing (offline?): normal interval, no backoff"
    else:
        delay = _jittered(backoff(policy, consecutive_failures), policy, rng)
        noun = "failure" if consecutive_failures == 1 else "failures"
        reason = f"backoff after {consecutive_failures} {noun}: {_fmt(delay)}"
    cap = max(policy.max_backoff.total_seconds(), policy.slowest)
    floors: list[tuple[float, str]] = []
    hinted = retry_after_seconds(signal.retry_after, now)
    if hinted:
        floors.append((hinted, f"Retry-After {hinted:g}s"))
    if signal.ok:
        floors += filter(None, [header_floor(signal.headers, signal.ttl_minutes, now)])
    floor = max(floors, default=None)
    if floor is not None and floor[0] > delay:
        delay = min(floor[0], cap)
        reason = f"{floor[1]}" + (" (capped)" if floor[0] > cap else "")
    _count_conditional(state, signal, policy)
    return NextPoll(now + timedelta(seconds=delay), reason, state)


def _confirm_304(state: dict[str, Any], signal: PollResult, now: datetime) -> None:
    """A full fetch after 304s that finds new articles shows the 304s were hiding them."""
    if not signal.conditional and state.get("since_304"):
        if signal.new_articles > 0:
            state["distrust_304_until"] = (now + DISTRUST_304).isoformat()
        state["since_304"] = 0
    if signal.not_modified:
        state["since_304"] = int(state.get("since_304", 0)) + 1


def _count_conditional(state: dict[str, Any], signal: PollResult, policy: PollPolicy) -> None:
    if signal.conditional:
        state["conditional_polls"] = int(state.get("conditional_polls", 0)) + 1
    else:
        state["conditional_polls"] = 0
    state["full_fetch_due"] = state["conditional_polls"] >= policy.full_fetch_every


def _jittered(delay: float, policy: PollPolicy, rng: random.Random) -> float:
    return delay * (1 + rng.uniform(-policy.jitter, policy.jitter))


def _fmt(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 < 1:
        return format_duration(timedelta(seconds=round(seconds / 60) * 60))
    return f"{seconds:.3g}s" if seconds < 60 else format_duration(timedelta(seconds=round(seconds)))


def _http_date(value: str) -> datetime | None:
    try:
        return as_utc(parsedate_to_datetime(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None


def _parse_iso(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


class Connectivity:
    """This worker's latest outcome per source: when all fail at once, the fault is ours.

    A failure without any HTTP response counts against its source only if some other
    source answered lately; when the last few sources all failed the same way, the
    machine is probably offline and no source is penalised.
    """

    def __init__(self, sample: int = 3) -> None:
        self.sample = sample
        self._latest: dict[str, tuple[bool, bool]] = {}
        self._streaks: dict[str, int] = {}
        self._failing_since: datetime | None = None

    def record(
        self, source: str, *, ok: bool, network_error: bool, now: datetime | None = None
    ) -> None:
        self._latest.pop(source, None)
        self._latest[source] = (ok, network_error)
        # Counted whatever the cause, offline included: a source not penalised for the
        # machine's outage still failed its poll, and /healthz must say so.
        if ok:
            self._streaks[source] = 0
            self._failing_since = None
        else:
            self._streaks[source] = self._streaks.get(source, 0) + 1
            if self._failing_since is None:
                self._failing_since = now or datetime.now(UTC)

    def all_failing(self, polls: int) -> tuple[datetime, int, int] | None:
        """When every source this worker polled failed its last `polls` polls or more:
        since when (its first failure after its last success), the fewest failures in
        a row, and how many sources. Else None."""
        if not self._streaks or self._failing_since is None:
            return None
        fewest = min(self._streaks.values())
        if fewest < polls:
            return None
        return self._failing_since, fewest, len(self._streaks)

    def offline(self, source: str, *, network_error: bool) -> bool:
        if not network_error:
            return False
        others = [v for k, v in reversed(self._latest.items()) if k != source][: self.sample]
        return bool(others) and all(not ok and net for ok, net in others)
