"""The JSON API: the CLI's `--json` listings over HTTP, described by OpenAPI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BeforeValidator
from sqlmodel import Session

from crawler.model import STATUSES
from crawler.store.reports import list_articles, list_sources, list_stories
from notifier.reports import list_alerts, list_shifts, topic_status
from notifier.web.schemas import AlertOut, ArticleOut, ShiftOut, SourceOut, StoryOut, TopicStatusOut

router = APIRouter(prefix="/api", tags=["api"])


def db_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(db_session)]
_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def _rfc3339(value: Any) -> datetime:
    """Only what the schema promises (a date-time with a zone), not pydantic's extras."""
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("expected an RFC 3339 date-time with a zone, e.g. 2025-05-20T12:00:00Z")
    head, seconds, fraction, zone = match.groups()
    seconds = min(int(seconds), 59)  # a leap second reads as the second before it
    zone = "+00:00" if zone in "Zz" else zone
    try:
        moment = datetime.fromisoformat(f"{head}:{seconds:02d}{(fraction or '')[:7]}{zone}")
    except ValueError as exc:
        raise ValueError(f"invalid date-time: {exc}") from None
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # within a zone offset of year 1 or 9999: the ends of time
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


DateTimeParam = Annotated[datetime, BeforeValidator(_rfc3339)]
StatusParam = Enum("StatusParam", {s: s for s in STATUSES}, type=str)  # type: ignore[misc]
"""The statuses `--status` accepts: anything else is a 422 naming them, as the CLI
refuses it, rather than an empty list that reads as "no such articles"."""


@router.get("/status", response_model=list[TopicStatusOut])
def api_status(request: Request, session: SessionDep) -> Any:
    """Current reported status per topic (`peacewatch status --json`)."""
    return topic_status(session, request.app.state.dashboard.topics)


@router.get("/articles", response_model=list[ArticleOut])
def api_articles(
    session: SessionDep,
    status: Annotated[StatusParam | None, Query(description="Only this status")] = None,
    outlet: str | None = None,
    topic: str | None = None,
    since: Annotated[DateTimeParam | None, Query(description="Published at or after")] = None,
    until: Annotated[DateTimeParam | None, Query(description="Published before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Any:
    """Stored articles, newest first (`peacewatch articles --json`)."""
    return list_articles(
        session,
        status=status.value if status is not None else None,
        outlet=outlet,
        topic=topic,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


@router.get("/stories", response_model=list[StoryOut])
def api_stories(
    session: SessionDep,
    topic: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Stories with their article and outlet counts (`peacewatch stories --json`)."""
    return list_stories(session, topic=topic, limit=limit)


@router.get("/sources", response_model=list[SourceOut])
def api_sources(session: SessionDep) -> Any:
    """Sources with their health (`peacewatch sources --json`)."""
    return list_sources(session)


@router.get("/shifts", response_model=list[ShiftOut])
def api_shifts(session: SessionDep, topic: str | None = None) -> Any:
    """Coverage shifts, oldest first (`peacewatch shifts --json`)."""
    return list_shifts(session, topic=topic)


@router.get("/alerts", response_model=list[AlertOut])
def api_alerts(
    session: SessionDep,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    """The alert outbox, newest first (`peacewatch alerts --json`)."""
    return list_alerts(session, state=state, limit=limit)
