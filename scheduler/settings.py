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
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines as `text` or as `json` objects (also `run --log-format`).",
    )
    jitter: float = Field(
        default=0.1,
        ge=0,
        le=0.1,
        description="Each poll moves by up to this share of its interval, so sources spread out.",
    )
    adaptive: bool = Field(
        default=True,
        description=(
            "Busy feeds speed up towards `min_interval`, quiet ones slow down towards "
            "`max_interval`."
        ),
    )
    min_interval: Duration = Field(
        default=timedelta(minutes=2),
        description="The shortest adaptive interval (a source's own shorter interval is kept).",
    )
    max_interval: Duration = Field(
        default=timedelta(hours=6),
        description="The longest adaptive interval (a source's own longer interval is kept).",
    )
    max_backoff: Duration = Field(
        default=timedelta(hours=6),
        description="Failing sources back off exponentially up to this, and are never parked.",
    )
    full_fetch_every: int = Field(
        default=10,
        ge=1,
        description=(
            "Every this many polls, fetch without ETag/Last-Modified, so a 304 is trusted "
            "only while a full fetch confirms it."
        ),
    )
    failing_after: int = Field(
        default=5,
        ge=1,
        description="Failed polls in a row before a health alert to `operations` channels.",
    )
    silent_after: Duration = Field(
        default=timedelta(days=2),
        description=(
            "A source that usually brings news daily and then nothing for this long raises "
            "a health alert."
        ),
    )
    deliver_every: Duration = Field(
        default=timedelta(seconds=30),
        description="How often pending alerts and retries are looked at.",
    )
    retention: Duration | None = Field(
        default=None,
        description="Delete stories nobody has added to for this long (a story with a "
        "corrected article stays). Unset: keep everything.",
        examples=["180d"],
    )
    lease: Duration = Field(
        default=timedelta(minutes=5),
        description="PostgreSQL workers: how long a claimed source is held before another may.",
    )
    stale_after: Duration = Field(
        default=timedelta(hours=2),
        description="/healthz answers 503 when no source has polled successfully this long.",
    )

    @model_validator(mode="after")
    def _bounds(self) -> DaemonSettings:
        if self.min_interval > self.max_interval:
            raise ValueError("min_interval: must not exceed max_interval")
        return self
