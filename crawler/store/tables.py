"""Tables the crawler writes: sources with their health, articles, and stories.

The notifier's tables (shifts, alerts) live in `notifier.tables`; both share
SQLModel's one metadata, and `scheduler/migrations` creates them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from crawler.clock import utcnow
from crawler.model import ARTICLE_LIMITS
from crawler.store.db import UTCDateTime


def _dt(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Source(SQLModel, table=True):
    """One configured feed, sitemap or listing page and what polling it has shown."""

    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    kind: str = Field(default="feed", max_length=20)
    url: str = Field(sa_column=Column(Text, nullable=False))
    topic: str = Field(max_length=200)
    interval_seconds: float = 900.0
    etag: str | None = Field(default=None, sa_column=Column(Text))
    last_modified: str | None = Field(default=None, max_length=200)
    final_url: str | None = Field(default=None, sa_column=Column(Text))
    last_polled_at: datetime | None = _dt(default=None)
    last_success_at: datetime | None = _dt(default=None)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_at: datetime | None = _dt(default=None)
    consecutive_failures: int = 0
    polls: int = 0
    failures: int = 0
    last_new_at: datetime | None = _dt(default=None)
    last_crawl_at: datetime | None = _dt(default=None)
    next_poll_at: datetime | None = _dt(default=None, index=True)
    next_poll_reason: str | None = Field(default=None, max_length=200)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = _dt(default=None)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Story(SQLModel, table=True):
    """A cluster of near-duplicate articles: one wire piece on thirty sites is one story."""

    __tablename__ = "stories"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(index=True, max_length=200)
    first_seen: datetime = _dt(default_factory=utcnow, index=True)
    last_seen: datetime = _dt(default_factory=utcnow)
    articles: int = 0
    outlets: int = 0


class Article(SQLModel, table=True):
    """One fetched article, stored once under its canonical URL."""

    __tablename__ = "articles"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    original_url: str = Field(sa_column=Column(Text, nullable=False))
    outlet: str = Field(index=True, max_length=ARTICLE_LIMITS["outlet"])
    source: str | None = Field(default=None, max_length=200, index=True)
    topic: str = Field(index=True, max_length=200)
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    text_source: str = Field(default="summary", max_length=20)
    extract_error: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = Field(default=None, sa_column=Column(Text))
    language: str | None = Field(default=None, max_length=20)
    published: datetime = _dt(default_factory=utcnow, index=True)
    published_estimated: bool = False
    fetched: datetime = _dt(default_factory=utcnow)
    content_hash: str = Field(index=True, max_length=64)
    minhash: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    story_id: int | None = Field(default=None, foreign_key="stories.id", index=True)
    duplicate_of: int | None = Field(default=None, foreign_key="articles.id")
    relevance: float = 1.0
    status: str = Field(default="none", max_length=20, index=True)
    confidence: float = 0.0
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Correction(SQLModel, table=True):
    """A person's reading of one article, which wins over the classifier's.

    One row per article: a second correction replaces the first, since only the latest
    word of a person should steer shift detection and training. The reading it replaced
    is kept beside it, so a correction can be audited and a model measured against it.
    """

    __tablename__ = "corrections"

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", unique=True, index=True)
    status: str = Field(max_length=20)
    relevant: bool = True
    corrected_at: datetime = _dt(default_factory=utcnow)
    origin: str = Field(default="cli", max_length=20)
    """Where it was made: `cli` or `dashboard`."""
    author: str | None = Field(default=None, max_length=200)
    """Who made it, as far as that place knows: the login on the CLI, the client address
    on the dashboard."""
    previous_status: str | None = Field(default=None, max_length=20)
    previous_relevance: float | None = None
