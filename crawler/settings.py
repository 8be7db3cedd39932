"""Settings models of the crawler's config sections.

Every default of the crawler lives here, beside the model that exposes it, so a reader
finds a limit and the key that changes it in one place. `scheduler.config` composes
these models with the notifier's and loads the TOML file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

DEFAULT_TOPIC_NAME = "russia-ukraine-talks"
DEFAULT_TOPIC_TITLE = "Russia–Ukraine talks"
DEFAULT_TOPIC_QUERY: list[list[str]] = [
    ["ukrain*", "kyiv", "kiev", "zelensk*"],
    ["russia*", "moscow", "kremlin", "putin"],
    [
        "talks",
        "negotiat*",
        "peace",
        "ceasefire",
        "cease-fire",
        "truce",
        "summit",
        "delegation*",
        "mediat*",
        "diplomat*",
    ],
]

USER_AGENT = "peacewatch/0.1 (+{contact})"
DEFAULT_CONTACT = "https://github.com/peacewatch/peacewatch"
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
TOTAL_TIMEOUT = 60.0
MAX_REDIRECTS = 5
GLOBAL_CONCURRENCY = 16
PER_HOST_CONCURRENCY = 2

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """Read `30s`, `15m`, `6h`, `1d`, `1w` or a bare number of seconds.

    One parser for every interval in the config, so `interval`, `window` and
    `cooldown` accept the same spellings and fail with the same message.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"invalid duration {value!r} (use e.g. 30s, 15m, 6h, 1d)")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {value!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


class Strict(BaseModel):
    """Base of every config section: an unknown key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DatabaseSettings(Strict):
    url: str = "sqlite:///peacewatch.db"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
            raise ValueError(f"unsupported database URL {url!r} (sqlite:/// or postgresql://)")
        return url


class ClassifierSettings(Strict):
    """Which backend reads an article's status; `llm` falls back to `rules` on failure."""

    backend: Literal["rules", "llm"] = "rules"
    lexicon: str | None = None
    base_url: AnyHttpUrl | None = None
    model: str | None = None
    api_key_env: str = "PEACEWATCH_LLM_API_KEY"
    timeout: Duration = timedelta(seconds=20)

    @model_validator(mode="after")
    def _llm_needs_endpoint(self) -> ClassifierSettings:
        if self.backend == "llm" and (self.base_url is None or not self.model):
            raise ValueError("backend = 'llm' needs base_url and model")
        return self


class TopicSettings(Strict):
    name: str = DEFAULT_TOPIC_NAME
    title: str | None = None
    query: list[list[str]] = Field(default_factory=lambda: [g[:] for g in DEFAULT_TOPIC_QUERY])
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)

    @field_validator("query")
    @classmethod
    def _non_empty_groups(cls, query: list[list[str]]) -> list[list[str]]:
        if not query or any(not group for group in query):
            raise ValueError("every query group needs at least one term")
        return query

    @property
    def display_name(self) -> str:
        if self.title:
            return self.title
        if self.name == DEFAULT_TOPIC_NAME:
            return DEFAULT_TOPIC_TITLE
        return self.name


class SourceSettings(Strict):
    name: str
    kind: Literal["feed", "sitemap", "listing"] = "feed"
    url: AnyHttpUrl
    interval: Duration = timedelta(minutes=15)
    topic: str | None = None
    fetch_articles: bool = False
    link_pattern: str | None = None
    link_css: str | None = None
    link_xpath: str | None = None
    next_pattern: str | None = None
    max_pages: int = Field(default=5, ge=1, le=1000)
    max_depth: int = Field(default=2, ge=0, le=20)
    enabled: bool = True

    @field_validator("link_pattern", "next_pattern")
    @classmethod
    def _valid_regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _listing_needs_links(self) -> SourceSettings:
        if self.kind == "listing" and not (self.link_pattern or self.link_css or self.link_xpath):
            raise ValueError("a listing source needs link_pattern, link_css or link_xpath")
        return self


class NetworkSettings(Strict):
    allow_private: bool = False
    user_agent: str | None = None
    contact: str = DEFAULT_CONTACT
    max_bytes: int = Field(default=MAX_RESPONSE_BYTES, ge=1024)
    connect_timeout: float = Field(default=CONNECT_TIMEOUT, gt=0)
    read_timeout: float = Field(default=READ_TIMEOUT, gt=0)
    total_timeout: float = Field(default=TOTAL_TIMEOUT, gt=0)
    concurrency: int = Field(default=GLOBAL_CONCURRENCY, ge=1, le=1000)
    per_host: int = Field(default=PER_HOST_CONCURRENCY, ge=1, le=100)
    obey_robots: bool = True

    @property
    def agent(self) -> str:
        return self.user_agent or USER_AGENT.format(contact=self.contact)


class DedupSettings(Strict):
    """Near-duplicate detection; the defaults are measured by `python -m tests.eval.dedup`."""

    # Exact shingle Jaccard at or above which two texts are one story: the middle of the
    # empty gap in tests/data/dedup_pairs.jsonl, where copies go down to 0.44 and rival
    # reports, reused background and live-blog versions reach 0.39.
    threshold: float = Field(default=0.42, gt=0, lt=1)
    # Short texts (feed summaries) share a clause easily: below `short_shingles` shingles
    # in the smaller text, a pair needs `short_threshold` (short copies measure >= 0.77).
    short_shingles: int = Field(default=50, ge=0)
    short_threshold: float = Field(default=0.6, gt=0, le=1)
    num_perm: int = Field(default=128, ge=16, le=512)
    shingle: int = Field(default=3, ge=1, le=10)
    redis_url: str | None = None
    # One prefix per database: the Redis buckets name article ids of one database.
    redis_prefix: str = Field(default="peacewatch", min_length=1, max_length=100)
