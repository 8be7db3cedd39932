"""The HTML pages: overview, articles, operations; the Atom feed; the two actions a
person takes there: correcting an article's reading and re-queuing a dead alert."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlmodel import Session

from crawler.clock import utcnow
from crawler.model import STATUSES
from crawler.store.corrections import CorrectionError, correct
from crawler.store.db import session_scope
from crawler.store.reports import list_articles, list_sources
from notifier.alerts.outbox import RequeueError, requeue_alert
from notifier.reports import list_alerts, list_shifts, topic_status
from notifier.web import queries
from notifier.web.api import db_session
from notifier.web.chart import STATUS_COLOURS, colour, ordered_statuses, render_timeline
from notifier.web.feed import shifts_atom
from notifier.web.highlight import cue_reader, highlight
from notifier.web.security import CSRF_FIELD, csrf_ok, csrf_token, set_csrf_cookie

router = APIRouter()
SessionDep = Annotated[Session, Depends(db_session)]
PAGE_SIZE = 50
LATEST_SHIFTS = 8


def _when(value: str | datetime | None) -> Markup:
    """A `<time>` element: absolute UTC in the page, made relative by app.js."""
    if value is None:
        return Markup('<span class="muted">—</span>')
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.astimezone(UTC)
    return Markup('<time datetime="{iso}">{text}</time>').format(
        iso=moment.isoformat(), text=moment.strftime("%d %b %Y %H:%M UTC")
    )


def _href(url: str | None) -> str:
    """A link target only for web URLs: a stored `javascript:` or `data:` URL is inert."""
    text = (url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else "#"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = _when
    env.filters["href"] = _href
    env.filters["colour"] = colour
    env.filters["highlight"] = highlight
    env.filters["percent"] = lambda v: f"{round(float(v) * 100)}%"
    env.globals["statuses"] = STATUSES
    return env


templates = Jinja2Templates(env=_environment())


def _cues(request: Request) -> dict[str, Any]:
    """Each topic's cue reader (its classifier may use its own lexicon)."""
    return {t.name: cue_reader(t.classifier.lexicon) for t in request.app.state.dashboard.topics}


def _render(request: Request, name: str, **context: Any) -> HTMLResponse:
    context.setdefault("page", name.removesuffix(".html"))
    return templates.TemplateResponse(request, name, context)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview(request: Request, session: SessionDep) -> HTMLResponse:
    dashboard = request.app.state.dashboard
    now = utcnow()
    topics = []
    for topic, status in zip(
        dashboard.topics, topic_status(session, dashboard.topics), strict=True
    ):
        days = queries.daily_status_counts(session, topic.name, now)
        window_start = datetime.combine(days[0][0], datetime.min.time(), tzinfo=UTC)
        marks = [
            s
            for s in list_shifts(session, topic=topic.name)
            if datetime.fromisoformat(s["detected_at"]) >= window_start
        ]
        present = {s for _, counts in days for s, c in counts.items() if c > 0}
        topics.append(
            {
                "settings": topic,
                "status": status,
                "counts": queries.counts(session, topic.name),
                "chart": render_timeline(days, queries.shift_marks(marks)),
                "legend": ordered_statuses(present),
                "shifts": list_shifts(
                    session, topic=topic.name, newest_first=True, limit=LATEST_SHIFTS
                ),
            }
        )
    return _render(request, "overview.html", topics=topics, cues=_cues(request))


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/articles", response_class=HTMLResponse, include_in_schema=False)
def articles(
    request: Request,
    session: SessionDep,
    status: str | None = None,
    outlet: str | None = None,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    labelled: int | None = None,
    error: str | None = None,
) -> HTMLResponse:
    first, last = _parse_day(start), _parse_day(end)
    rows = list_articles(
        session,
        status=status or None,
        outlet=outlet or None,
        since=datetime.combine(first, datetime.min.time(), tzinfo=UTC) if first else None,
        until=datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        if last and last < date.max
        else None,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    sizes = queries.story_sizes(session, {r["story"] for r in rows if r["story"] is not None})
    filters = {
        "status": status or "",
        "outlet": outlet or "",
        "from": first.isoformat() if first else "",
        "to": last.isoformat() if last else "",
    }
    kept = {k: v for k, v in filters.items() if v}

    def page_url(number: int) -> str:
        return "/articles?" + urlencode({**kept, "page": number})

    token, fresh = csrf_token(request)
    response = _render(
        request,
        "articles.html",
        rows=rows,
        sizes=sizes,
        filters=filters,
        outlets=queries.outlets(session),
        cues=_cues(request),
        newer=page_url(page - 1) if page > 1 else None,
        older=page_url(page + 1) if more else None,
        bad_dates=bool((start and not first) or (end and not last)),
        here=urlencode({**kept, "page": page}),
        csrf_field=CSRF_FIELD,
        csrf=token,
        labelled=labelled,
        error=error if error in _LABEL_MESSAGES else None,
        messages=_LABEL_MESSAGES,
    )
    if fresh:
        set_csrf_cookie(response, request, token)
    return response


_LABEL_MESSAGES = {
    "csrf": "The form had expired; reload the page and try again.",
    "status": "That status is not one of the taxonomy's; nothing was changed.",
    "article": "That article is not stored (any more); nothing was changed.",
}
_BACK_KEYS = ("status", "outlet", "from", "to", "page")


def _articles_url(back: str | None, **extra: Any) -> str:
    """The articles page the form came from, rebuilt from known filters only: the
    redirect can never lead off this page, whatever `back` says."""
    given = parse_qs(back or "")
    kept = {k: given[k][0] for k in _BACK_KEYS if given.get(k) and given[k][0]}
    return "/articles?" + urlencode({**kept, **extra})


ArticleId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


@router.post("/articles/{article_id}/label", include_in_schema=False)
async def label(request: Request, article_id: ArticleId) -> Response:
    """Store a person's correction of one article's reading (`peacewatch label`)."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))

    def field(name: str) -> str | None:
        return (form.get(name) or [None])[0]  # type: ignore[list-item]

    back = field("back")
    if not csrf_ok(request, field(CSRF_FIELD)):
        return RedirectResponse(_articles_url(back, error="csrf"), status_code=303)
    status = field("status") or ""
    if status not in STATUSES:
        return RedirectResponse(_articles_url(back, error="status"), status_code=303)
    try:
        with session_scope(request.app.state.engine) as session:
            correct(
                session,
                article_id,
                status,
                relevant=field("not_relevant") is None,
                origin="dashboard",
                author=request.client.host if request.client else None,
            )
    except CorrectionError:
        return RedirectResponse(_articles_url(back, error="article"), status_code=303)
    target = _articles_url(back, labelled=article_id)
    return RedirectResponse(f"{target}#article-{article_id}", status_code=303)


@router.get("/operations", response_class=HTMLResponse, include_in_schema=False)
def operations(
    request: Request,
    session: SessionDep,
    requeued: int | None = None,
    error: str | None = None,
) -> HTMLResponse:
    token, fresh = csrf_token(request)
    response = _render(
        request,
        "operations.html",
        sources=list_sources(session),
        alerts=list_alerts(session),
        channels=request.app.state.dashboard.channels,
        csrf_field=CSRF_FIELD,
        csrf=token,
        requeued=requeued,
        error=error if error in _REQUEUE_MESSAGES else None,
        messages=_REQUEUE_MESSAGES,
    )
    if fresh:
        set_csrf_cookie(response, request, token)
    return response


_REQUEUE_MESSAGES = {
    "csrf": "The form had expired; reload the page and try again.",
    "state": "Only a dead alert can be re-queued, and that one is not (any more).",
}


@router.post("/operations/alerts/{alert_id}/requeue", include_in_schema=False)
async def requeue(request: Request, alert_id: int) -> Response:
    """Re-queue a dead alert (with `label`, the only writes the dashboard allows)."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    if not csrf_ok(request, (form.get(CSRF_FIELD) or [None])[0]):  # type: ignore[list-item]
        return RedirectResponse("/operations?error=csrf", status_code=303)
    try:
        with session_scope(request.app.state.engine) as session:
            requeue_alert(session, alert_id)
    except RequeueError:
        return RedirectResponse("/operations?error=state", status_code=303)
    return RedirectResponse(f"/operations?requeued={alert_id}", status_code=303)


@router.get(
    "/shifts.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}, "description": "Atom feed"}},
    tags=["feed"],
)
def shifts_feed(request: Request, session: SessionDep) -> Response:
    """Coverage shifts as an Atom feed, newest first; links from `[web] public_url` when
    set, else from the Host the request was allowed by."""
    titles = {t.name: t.display_name for t in request.app.state.dashboard.topics}
    shifts = list_shifts(session, newest_first=True, limit=100)
    public_url = getattr(request.app.state.dashboard.web, "public_url", None)
    base = str(public_url) if public_url else str(request.base_url)  # Host checked
    statuses = topic_status(session, request.app.state.dashboard.topics)
    body = shifts_atom(shifts, base_url=base, topic_titles=titles, statuses=statuses)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/status.css", include_in_schema=False)
def status_css() -> Response:
    """Status colours for badges and legends, from the one palette the chart uses."""
    rules = [f".s-{name}{{--status:{value}}}" for name, value in STATUS_COLOURS.items()]
    return Response("\n".join(rules) + "\n", media_type="text/css")
