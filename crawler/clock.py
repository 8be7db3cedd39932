"""Time as the whole pipeline counts it: aware datetimes in UTC, ISO 8601 in JSON.

Every stage stamps and compares times; they take them from here, so none of them
needs the database module to know what time it is.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC; aware ones are converted to it."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with its zone, or None: how every JSON output writes a time."""
    return value.isoformat() if value is not None else None
