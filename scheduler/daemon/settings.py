"""Settings of the daemon's own section, `[daemon]`.

Polling bounds live here because they are the daemon's policy: a one-off `crawl`
polls every source once whatever these say.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from crawler.settings import Duration, Strict


class DaemonSettings(Strict):
    log_format: Literal["text", "json"] = "text"
    # Each poll is moved by up to this fraction of its interval, so sources spread out.
    jitter: float = Field(default=0.1, ge=0, le=0.1)
    # Adaptive polling: busy feeds speed up to min_interval, quiet ones slow to
    # max_interval (a source's own interval outside these bounds is kept as a bound).
    adaptive: bool = True
    min_interval: Duration = timedelta(minutes=2)
    max_interval: Duration = timedelta(hours=6)
    # Failing sources back off exponentially up to this, and are never parked for good.
    max_backoff: Duration = timedelta(hours=6)
    # A 304 is trusted only while a full fetch (no conditional headers) every Nth
    # poll confirms it.
    full_fetch_every: int = Field(default=10, ge=1)
    # Source health alerts to channels with `operations = true`.
    failing_after: int = Field(default=5, ge=1)
    silent_after: Duration = timedelta(days=2)
    # Outbox: how often pending alerts (and retries) are looked at.
    deliver_every: Duration = timedelta(seconds=30)
    # Articles older than this are deleted (stories with no newer article); off by default.
    retention: Duration | None = None
    # Row leases for sources polled by several workers on PostgreSQL.
    lease: Duration = timedelta(minutes=5)
    # /healthz turns 503 when no source has polled successfully for this long.
    stale_after: Duration = timedelta(hours=2)

    @model_validator(mode="after")
    def _bounds(self) -> DaemonSettings:
        if self.min_interval > self.max_interval:
            raise ValueError("min_interval: must not exceed max_interval")
        return self
