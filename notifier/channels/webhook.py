"""Webhook channel: an HTTP POST of the contract's JSON, signed when a secret is set.

Formats: `json` (the contract's body: `shift`, `shifts`, `articles`), `slack`
(`{"text": …}`) and `discord` (`{"content": …}`); the chat formats are cut at a safe
length with a link to the dashboard, never dropped. Every request carries
`X-Peacewatch-Delivery` (the idempotency key, stable across retries) and, with a
secret, `X-Peacewatch-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`.
The channel's `timeout` bounds the whole request, however slowly the receiver answers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from crawler.fetch.http import retry_after_seconds
from notifier.channels.base import DeliveryError, DeliveryTimeout, Message, cut, deadline
from notifier.settings import ChannelSettings

SLACK_LIMIT = 3000
DISCORD_LIMIT = 1900
USER_AGENT = "peacewatch-webhook/0.1"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def body_of(message: Message, fmt: str) -> dict[str, Any]:
    if fmt == "slack":
        return {"text": cut(_chat_text(message), SLACK_LIMIT, message.link())}
    if fmt == "discord":
        return {"content": cut(_chat_text(message), DISCORD_LIMIT, message.link())}
    if message.kind == "test":
        return {"test": True, "message": message.text().strip(), "shift": None, "articles": []}
    if message.kind == "health":
        health = {k: message.payload.get(k) for k in ("source", "condition", "at", "subject")}
        return {
            "kind": "health",
            "health": health,
            "message": message.payload.get("text", ""),
            "shift": None,
            "articles": [],
        }
    return {
        "shift": message.headline,
        "shifts": message.shifts,
        "articles": message.articles,
        "topic_title": message.topic_title,
        "kind": message.kind,
    }


def _chat_text(message: Message) -> str:
    if message.kind == "test":
        return message.text()
    return message.subject() + "\n" + message.text().split("\n", 1)[1]


class WebhookChannel:
    def __init__(self, settings: ChannelSettings) -> None:
        self.name = settings.name
        self.settings = settings

    async def send(self, message: Message) -> None:
        body = json.dumps(body_of(message, self.settings.format), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Peacewatch-Delivery": message.key,
        }
        if self.settings.secret:
            headers["X-Peacewatch-Signature"] = sign(self.settings.secret, body)
        timeout = self.settings.timeout.total_seconds()
        try:
            async with (
                deadline(timeout),
                httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
            ):
                response = await client.post(str(self.settings.url), content=body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryTimeout(timeout) from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from None
        code = response.status_code
        if 200 <= code < 300:
            return
        reason = f"HTTP {code} {response.reason_phrase}".strip()
        if code == 429 or code >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            raise DeliveryError(reason, retryable=True, status_code=code, retry_after=wait)
        raise DeliveryError(reason + " (permanent)", retryable=False, status_code=code)
