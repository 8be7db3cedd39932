"""Settings models of the notifier's config sections: channels, alerts, web."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import AnyHttpUrl, Field, field_validator, model_validator

from crawler.settings import Duration, Strict

SHIFT_KINDS = ("surge", "status_change", "decisive_status")


class ChannelSettings(Strict):
    name: str = Field(
        description="The channel's name, unique among channels (shown in `peacewatch alerts`).",
        examples=["ops"],
    )
    kind: Literal["webhook", "email", "apprise"] = Field(
        description="`webhook` (an HTTP POST), `email` (SMTP) or `apprise` (its URLs).",
        examples=["webhook"],
    )
    # webhook
    url: AnyHttpUrl | None = Field(
        default=None,
        description="Webhook: where to POST (needed with `webhook`).",
        examples=["https://hooks.example.org/peacewatch"],
    )
    secret: str | None = Field(
        default=None,
        description=(
            "Webhook: signs each body (`X-Peacewatch-Signature`, HMAC-SHA256); best read "
            "from the environment."
        ),
        examples=["${PEACEWATCH_WEBHOOK_SECRET}"],
    )
    format: Literal["json", "slack", "discord"] = Field(
        default="json",
        description="Webhook: the body, `json` (the full shift) or a `slack`/`discord` message.",
    )
    # email
    smtp_host: str | None = Field(
        default=None,
        description="Email: the SMTP server (needed with `email`).",
        examples=["localhost"],
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Email: the SMTP port.")
    security: Literal["none", "starttls", "tls"] = Field(
        default="none",
        description="Email: `none`, `starttls` (upgrade once connected) or `tls` (from the start).",
    )
    username: str | None = Field(
        default=None,
        description="Email: the SMTP login, if the server wants one.",
        examples=["peacewatch"],
    )
    password_env: str | None = Field(
        default=None,
        description=(
            "Email: the environment variable holding the SMTP password, so it never sits "
            "in this file."
        ),
        examples=["PEACEWATCH_SMTP_PASSWORD"],
    )
    from_: str | None = Field(
        default=None,
        alias="from",
        description="Email: the sender address (needed with `email`).",
        examples=["peacewatch@example.org"],
    )
    to: list[str] = Field(
        default_factory=list,
        description="Email: the recipients (needed with `email`).",
        examples=[["desk@example.org"]],
    )
    # apprise
    apprise_urls: list[str] = Field(
        default_factory=list,
        description="Apprise: its notification URLs (needed with `apprise`).",
        examples=[["tgram://bottoken/ChatID"]],
    )
    # routing
    digest: bool = Field(
        default=False,
        description="Collect the day's shifts into one alert at `[alerts] digest_time`.",
    )
    min_kind: Literal["surge", "status_change", "decisive_status"] = Field(
        default="surge",
        description=(
            "The least kind of shift sent here: `surge` (all), `status_change` or "
            "`decisive_status`."
        ),
    )
    operations: bool = Field(
        default=False,
        description="Also send source health alerts (failing, silent, recovered) here.",
    )
    timeout: Duration = Field(
        default=timedelta(seconds=15), description="How long one delivery may take."
    )

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

    window: Duration = Field(
        default=timedelta(hours=24),
        description="The coverage window the reported status is read over.",
    )
    min_outlets: int = Field(
        default=3,
        ge=1,
        description="Distinct outlets a new leading status needs before it is a shift.",
    )
    decisive_min_outlets: int = Field(
        default=2,
        ge=1,
        description=(
            "Distinct outlets that make a decisive status (ceasefire, agreement, "
            "collapsed) a shift within `decisive_window`."
        ),
    )
    min_stories: int = Field(
        default=2,
        ge=1,
        description=(
            "Independent stories (syndicated copies fold into one) a new leading status "
            "needs before it is a shift."
        ),
    )
    decisive_min_stories: int = Field(
        default=2,
        ge=1,
        description=(
            "Independent stories a decisive status needs within `decisive_window`: one "
            "wire story in many outlets is one report."
        ),
    )
    initial_alert: bool = Field(
        default=True,
        description=(
            "Alert the first well-supported status of a fresh database or replay (the "
            "initial state); false records it without alerting."
        ),
    )
    decisive_window: Duration = Field(
        default=timedelta(hours=6),
        description="The span a decisive status must gather its outlets in.",
    )
    cooldown: Duration = Field(
        default=timedelta(hours=6),
        description="Per topic and shift kind: a repeat within this is recorded, not alerted.",
    )
    group_wait: Duration = Field(
        default=timedelta(seconds=30),
        description="The daemon waits this long so a burst of shifts goes out as one alert.",
    )
    surge_window: Duration = Field(
        default=timedelta(hours=6),
        description="A surge counts the stories first seen in this span …",
    )
    surge_baseline: Duration = Field(
        default=timedelta(days=7),
        description="… against the mean of the same span over this past …",
    )
    surge_factor: float = Field(
        default=3.0, gt=1, description="… and needs at least this many times that mean …"
    )
    surge_min_stories: int = Field(default=5, ge=1, description="… and at least this many stories.")
    hysteresis: float = Field(
        default=0.1,
        ge=0,
        lt=1,
        description="A new leader's share must beat the settled status's by this much.",
    )
    evidence_articles: int = Field(
        default=8,
        ge=1,
        le=100,
        description="Articles a shift keeps, and its alert lists, as evidence.",
    )
    dead_after: Duration = Field(
        default=timedelta(hours=24),
        description="Stop retrying an alert this long after it was queued (or re-queued): dead.",
    )
    backoff_base: Duration = Field(
        default=timedelta(seconds=30),
        description="The first wait before retrying a failed delivery; it doubles each time …",
    )
    max_backoff: Duration = Field(
        default=timedelta(hours=1), description="… up to this (with jitter)."
    )
    lease: Duration = Field(
        default=timedelta(minutes=2),
        description=(
            "How long a worker holds the alerts it is sending; a dead worker's alerts "
            "return after this."
        ),
    )
    digest_time: str = Field(
        default="08:00",
        description="The time of day (HH:MM, UTC) digest channels get their alert.",
    )
    dashboard_url: AnyHttpUrl | None = Field(
        default=None,
        description="The dashboard's public address, linked from every alert.",
        examples=["https://watch.example.org/"],
    )

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if not match:
            raise ValueError(f"invalid time of day {value!r} (use HH:MM, UTC)")
        return f"{int(match.group(1)):02d}:{match.group(2)}"


class WebSettings(Strict):
    host: str = Field(
        default="127.0.0.1",
        description=(
            "Where the dashboard, API, /healthz and /metrics listen; beyond loopback needs `token`."
        ),
    )
    port: int = Field(default=8080, ge=0, le=65535, description="The port they listen on.")
    token: str | None = Field(
        default=None,
        description=(
            "A secret every request must carry (Authorization: Bearer, or ?token= once); "
            "best read from the environment."
        ),
        examples=["${PEACEWATCH_WEB_TOKEN}"],
    )
    public_url: AnyHttpUrl | None = Field(
        default=None,
        description=(
            "The address people reach the dashboard at, behind a proxy: its host is the one "
            "Host name accepted besides the bound address and localhost, and absolute links "
            "(the Atom feed) are built from it."
        ),
        examples=["https://watch.example.org/"],
    )
