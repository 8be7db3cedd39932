"""Settings of the daemon's own section, `[daemon]`."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from crawler.settings import Duration, Strict


class DaemonSettings(Strict):
    log_format: Literal["text", "json"] = "text"
    jitter: float = Field(default=0.1, ge=0, le=0.1)
    min_interval: Duration = timedelta(minutes=2)
    max_interval: Duration = timedelta(hours=6)
    max_backoff: Duration = timedelta(hours=6)
    retention: Duration | None = None
    lease: Duration = timedelta(minutes=5)
    stale_after: Duration = timedelta(hours=2)
