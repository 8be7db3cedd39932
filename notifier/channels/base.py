"""What every channel shares: the message it is handed, the error it raises, its protocol.

The outbox hands a channel a `Message` (the alert's stored payload and idempotency key)
and reads one outcome back: return means delivered, `DeliveryError` says whether a
retry can succeed. Rendering helpers live here so email, webhook and Apprise say the
same thing in their own formats.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from notifier.reports import support_line
from notifier.settings import SHIFT_KINDS

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")
_KIND_LABEL = {
    "status_change": "the leading status changed",
    "decisive_status": "a decisive status broke",
    "surge": "coverage surged",
}


class DeliveryError(Exception):
    """A failed send; `retryable` is False when the same request can never succeed."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status_code = status_code
        self.retry_after = retry_after


class DeliveryTimeout(DeliveryError):
    """The send did not finish within the channel's `timeout`; a later try may."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g}s", retryable=True)


@contextlib.asynccontextmanager
async def deadline(seconds: float) -> AsyncIterator[None]:
    """The whole send within `seconds`: connecting, writing and reading together.

    Client libraries time each read on its own, so a receiver that trickles its answer
    a byte at a time never trips them; this bounds the sum.
    """
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise DeliveryTimeout(seconds) from None


@dataclass(frozen=True)
class Message:
    """One alert to deliver: the stored payload, its idempotency key, a dashboard link."""

    key: str
    payload: dict[str, Any]
    dashboard_url: str | None = None

    @property
    def kind(self) -> str:
        return str(self.payload.get("kind", "shift"))

    @property
    def topic_title(self) -> str:
        return clean(str(self.payload.get("topic_title") or self.payload.get("topic") or ""))

    @property
    def shifts(self) -> list[dict[str, Any]]:
        return list(self.payload.get("shifts", []))

    @property
    def articles(self) -> list[dict[str, Any]]:
        return list(self.payload.get("articles", []))

    @property
    def headline(self) -> dict[str, Any] | None:
        """The shift a subject line names: the most decisive kind, then the latest."""
        shifts = self.shifts
        if not shifts:
            return None
        return max(
            enumerate(shifts),
            key=lambda item: (SHIFT_KINDS.index(item[1]["kind"]), item[0]),
        )[1]

    def subject(self) -> str:
        if self.kind == "test":
            return "[peacewatch] test message"
        if self.kind == "health":
            return clean(f"[peacewatch] {self.payload.get('subject') or 'source health'}")
        head = self.headline
        if self.kind == "digest" or head is None:
            return f"[peacewatch] {self.topic_title}: daily digest, {len(self.shifts)} shift(s)"
        text = f"[peacewatch] {self.topic_title}: {shift_line(head)}"
        if len(self.shifts) > 1:
            text += f" (+{len(self.shifts) - 1} more)"
        return clean(text)

    def link(self) -> str:
        return self.dashboard_url or "run `peacewatch shifts` for the full record"

    def text(self) -> str:
        """The plain-text body: shifts, then articles with their evidence, then the link."""
        if self.kind == "test":
            return "This is a test message from peacewatch: the channel works.\n"
        if self.kind == "health":
            return f"{self.payload.get('text', '')}\n\nDashboard: {self.link()}\n"
        lines = [self.subject().removeprefix("[peacewatch] "), ""]
        for shift in self.shifts:
            lines.append(f"* {shift_line(shift)} — {_KIND_LABEL.get(shift['kind'], shift['kind'])}")
            lines.append(f"  {support_line(shift)}; detected {shift['detected_at']}")
            if shift.get("reasons"):
                lines.append(f"  also: {clean(', '.join(shift['reasons']))}")
        if self.articles:
            lines += ["", "Articles:"]
        for article in self.articles:
            lines.append(f"- {clean(article['title'])} ({clean(article_tags(article))})")
            lines.append(f"  {clean(article['url'])}")
            for sentence in article.get("evidence", [])[:2]:
                lines.append(f"  > {clean(sentence)}")
        lines += ["", f"Dashboard: {self.link()}"]
        return "\n".join(lines) + "\n"


def shift_line(shift: dict[str, Any]) -> str:
    """The subject's short form: the change and its outlets, "single source" when one."""
    outlets = shift["support"]["outlets"]
    if shift["kind"] == "surge":
        stories = shift["support"]["stories"]
        return f"coverage surge, {stories} stories ({shift['to']}, {outlets} outlets)"
    if outlets == 1:
        return f"{shift['from']} → {shift['to']} (1 outlet, single source)"
    return f"{shift['from']} → {shift['to']} ({outlets} outlets)"


def article_tags(article: dict[str, Any]) -> str:
    """Outlet, language (when known: alerts queued before it was kept lack it), status."""
    tags = [article["outlet"], article.get("language"), article["status"]]
    return ", ".join(str(t) for t in tags if t)


def clean(text: str) -> str:
    """One line: control characters (CR, LF, …) become spaces, so text cannot add lines."""
    return " ".join(_CONTROL.sub(" ", text).split())


def cut(text: str, limit: int, link: str) -> str:
    """Fit `text` in `limit` characters, cutting at a line and pointing to the rest."""
    if len(text) <= limit:
        return text
    tail = f"\n… cut to fit; the full alert: {link}"
    room = max(0, limit - len(tail))
    head = text[:room]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return (head + tail)[:limit]


class Channel(Protocol):
    """One way of telling people: deliver a message or raise `DeliveryError`, within the
    channel's `timeout` (`DeliveryTimeout` past it)."""

    name: str

    async def send(self, message: Message) -> None: ...
