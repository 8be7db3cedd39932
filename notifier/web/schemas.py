"""Response models of the JSON API, so the OpenAPI document says what the API sends.

They mirror the dictionaries of `crawler.store.reports` and `notifier.reports` (what the
CLI's `--json` prints); times stay the ISO 8601 strings those functions produce.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class CorrectionOut(_Out):
    article: int
    status: str = Field(description="The status a person gave")
    relevant: bool = Field(description="False: a person said it is not about its topic")
    corrected_at: IsoTime | None
    origin: str = Field(description="Where it was made: cli or dashboard")
    author: str | None = Field(description="The login (cli) or client address (dashboard)")
    previous_status: str | None = Field(description="The classifier's status it replaced")


class ArticleOut(_Out):
    id: int
    url: str = Field(description="Canonical URL")
    original_url: str
    title: str
    outlet: str = Field(description="Registrable domain of the URL")
    language: str | None = Field(default=None, description="Detected language (en, ru, uk, …)")
    source: str | None
    topic: str
    published: IsoTime | None
    published_estimated: bool
    fetched: IsoTime | None
    story: int | None = Field(description="Story (cluster of near-duplicates) id")
    duplicate_of: int | None
    status: str
    confidence: float
    evidence: list[str]
    text_source: str
    extract_error: str | None
    corrected: bool = Field(description="Whether a person set this reading")
    correction: CorrectionOut | None = None


class StoryOut(_Out):
    id: int
    topic: str
    first_seen: IsoTime | None
    last_seen: IsoTime | None
    articles: int
    outlets: int
    title: str


class SourceOut(_Out):
    name: str
    kind: str
    url: str
    topic: str
    interval: float = Field(description="Polling interval in seconds")
    last_polled: IsoTime | None
    last_success: IsoTime | None
    last_error: str | None
    last_error_at: IsoTime | None
    consecutive_failures: int
    polls: int
    failures: int
    next_poll: IsoTime | None
    next_poll_reason: str | None
    healthy: bool


class Support(_Out):
    stories: int
    outlets: int


class ShiftArticle(_Out):
    id: int
    title: str
    url: str
    outlet: str
    language: str | None = None
    status: str
    confidence: float
    evidence: list[str]


class ShiftOut(_Out):
    id: int
    kind: str = Field(description="status_change, decisive_status or surge")
    from_: str | None = Field(alias="from")
    to: str
    topic: str
    detected_at: IsoTime
    support: Support
    suppressed: str | None = Field(description="Why it was recorded but not alerted")
    reasons: list[str]
    articles: list[ShiftArticle]


class GroupStatusOut(_Out):
    status: str
    since: IsoTime | None
    support: Support
    last_support_at: IsoTime | None = None


class TopicStatusOut(_Out):
    topic: str
    title: str
    status: str
    since: IsoTime | None
    last_support_at: IsoTime | None = None
    quiet: bool = False
    support: Support
    updated_at: IsoTime | None
    groups: dict[str, GroupStatusOut] | None = Field(
        default=None, description="The same per outlet group, when sources carry a group"
    )


class AlertOut(_Out):
    id: int
    shift: int | None
    channel: str
    kind: str
    state: str = Field(description="pending, sent, failed or dead")
    attempts: int
    created_at: IsoTime
    next_attempt_at: IsoTime
    sent_at: IsoTime | None
    last_error: str | None
    idempotency_key: str
