"""Tables the notifier writes: shifts, the alert outbox, delivery attempts, silences.

A shift and its alerts are written in one transaction (the outbox), so an alert can
be late but never lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from crawler.clock import utcnow
from crawler.store.db import UTCDateTime

# Importing the crawler's tables registers them on the shared metadata.
from crawler.store.tables import Article, Source, Story  # noqa: F401


def _dt(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Shift(SQLModel, table=True):
    """A detected change of coverage, raised or recorded as suppressed with its reason."""

    __tablename__ = "shifts"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(index=True, max_length=200)
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    stories: int = 0
    outlets: int = 0
    detected_at: datetime = _dt(default_factory=utcnow, index=True)
    suppressed: str | None = Field(default=None, max_length=200)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    article_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Alert(SQLModel, table=True):
    """One delivery of one shift (or health notice) to one channel: the outbox row."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int | None = Field(default=None, foreign_key="shifts.id", index=True)
    channel: str = Field(max_length=200, index=True)
    kind: str = Field(default="shift", max_length=20)
    state: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    created_at: datetime = _dt(default_factory=utcnow)
    next_attempt_at: datetime = _dt(default_factory=utcnow, index=True)
    sent_at: datetime | None = _dt(default=None)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    idempotency_key: str = Field(max_length=200, unique=True)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = _dt(default=None)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DeliveryAttempt(SQLModel, table=True):
    """Every try at sending an alert, with its outcome: the audit trail."""

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    at: datetime = _dt(default_factory=utcnow)
    outcome: str = Field(max_length=20)
    status_code: int | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))


class Silence(SQLModel, table=True):
    """Mutes alerts for a topic for a while without losing the record of the shifts."""

    __tablename__ = "silences"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=200, index=True)
    starts_at: datetime = _dt(default_factory=utcnow)
    ends_at: datetime = _dt()
    comment: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _dt(default_factory=utcnow)


class TopicState(SQLModel, table=True):
    """The reported status a topic last settled on, kept for hysteresis and `status`."""

    __tablename__ = "topic_states"

    topic: str = Field(primary_key=True, max_length=200)
    status: str = Field(default="none", max_length=20)
    since: datetime | None = _dt(default=None)
    stories: int = 0
    outlets: int = 0
    updated_at: datetime = _dt(default_factory=utcnow)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
