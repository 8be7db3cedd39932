"""Settings models of the notifier's config sections: channels, alerts, web."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import AnyHttpUrl, Field, field_validator, model_validator

from crawler.settings import Duration, Strict

SHIFT_KINDS = ("surge", "status_change", "decisive_status")


class ChannelSettings(Strict):
    name: str
    kind: Literal["webhook", "email", "apprise"]
    # webhook
    url: AnyHttpUrl | None = None
    secret: str | None = None
    format: Literal["json", "slack", "discord"] = "json"
    # email
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: list[str] = Field(default_factory=list)
    # apprise
    apprise_urls: list[str] = Field(default_factory=list)
    # routing
    digest: bool = False
    min_kind: Literal["surge", "status_change", "decisive_status"] = "surge"
    operations: bool = False
    timeout: Duration = timedelta(seconds=15)

    @field_validator("to")
    @classmethod
    def _addresses(cls, to: list[str]) -> list[str]:
        for address in to:
            if "@" not in address or any(c in address for c in "\r\n"):
                raise ValueError(f"invalid email address {address!r}")
        return to

    @model_validator(mode="after")
    def _complete(self) -> ChannelSettings:
        if self.kind == "webhook" and self.url is None:
            raise ValueError("a webhook channel needs url")
        if self.kind == "email" and not (self.smtp_host and self.from_ and self.to):
            raise ValueError("an email channel needs smtp_host, from and to")
        if self.kind == "apprise" and not self.apprise_urls:
            raise ValueError("an apprise channel needs apprise_urls")
        return self


class AlertSettings(Strict):
    """Every threshold of shift detection and delivery; `notifier.shifts.detect` documents each."""

    window: Duration = timedelta(hours=24)
    min_outlets: int = Field(default=3, ge=1)
    decisive_min_outlets: int = Field(default=2, ge=1)
    decisive_window: Duration = timedelta(hours=6)
    cooldown: Duration = timedelta(hours=6)
    group_wait: Duration = timedelta(seconds=30)
    surge_window: Duration = timedelta(hours=6)
    surge_baseline: Duration = timedelta(days=7)
    surge_factor: float = Field(default=3.0, gt=1)
    surge_min_stories: int = Field(default=5, ge=1)
    hysteresis: float = Field(default=0.1, ge=0, lt=1)
    evidence_articles: int = Field(default=8, ge=1, le=100)
    dead_after: Duration = timedelta(hours=24)
    backoff_base: Duration = timedelta(seconds=30)
    max_backoff: Duration = timedelta(hours=1)
    lease: Duration = timedelta(minutes=2)
    digest_time: str = "08:00"
    dashboard_url: AnyHttpUrl | None = None

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if not match:
            raise ValueError(f"invalid time of day {value!r} (use HH:MM, UTC)")
        return f"{int(match.group(1)):02d}:{match.group(2)}"


class WebSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    token: str | None = None
