"""Email channel: SMTP (plain, STARTTLS or implicit TLS) with a text and an HTML part.

The Message-ID is built from the idempotency key, so a resend after a crash is the
same message to any client that drops duplicates; the channel's `timeout` bounds the
whole conversation with the server, not each reply. Every header value is reduced to
one line before it is set, and the `email` package's SMTP policy refuses CR/LF in
headers besides: article text can never add a header. The HTML part escapes all text.
"""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from html import escape

import aiosmtplib

from notifier.channels.base import (
    DeliveryError,
    DeliveryTimeout,
    Message,
    article_tags,
    clean,
    deadline,
    shift_line,
)
from notifier.settings import ChannelSettings


def build(message: Message, settings: ChannelSettings) -> EmailMessage:
    sender = clean(settings.from_ or "")
    email = EmailMessage(policy=SMTP)
    email["Subject"] = clean(message.subject())
    email["From"] = sender
    email["To"] = ", ".join(clean(a) for a in settings.to)
    email["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rsplit("@", 1)[-1].strip("<> ") or "peacewatch.invalid"
    email["Message-ID"] = f"<{clean(message.key)}@{domain}>"
    email["X-Peacewatch-Delivery"] = clean(message.key)
    email.set_content(message.text())
    email.add_alternative(html_body(message), subtype="html")
    return email


def html_body(message: Message) -> str:
    e = escape
    parts = [f"<h2>{e(message.subject().removeprefix('[peacewatch] '))}</h2>"]
    if message.kind == "test":
        parts = ["<p>This is a test message from peacewatch: the channel works.</p>"]
    if message.kind == "health":
        parts.append(f"<p>{e(str(message.payload.get('text', '')))}</p>")
    if message.shifts:
        parts.append("<ul>")
        for shift in message.shifts:
            reasons = f" (also: {e(', '.join(shift['reasons']))})" if shift.get("reasons") else ""
            parts.append(
                f"<li><strong>{e(shift_line(shift))}</strong> — {e(shift['kind'])}{reasons},"
                f" detected {e(str(shift['detected_at']))}</li>"
            )
        parts.append("</ul>")
    if message.articles:
        parts.append("<h3>Articles</h3><ul>")
        for article in message.articles:
            url = str(article["url"])
            href = e(url) if url.startswith(("http://", "https://")) else "#"
            evidence = "".join(
                f"<blockquote>{e(clean(s))}</blockquote>" for s in article.get("evidence", [])[:2]
            )
            parts.append(
                f'<li><a href="{href}">{e(clean(article["title"]))}</a>'
                f" ({e(clean(article_tags(article)))}){evidence}</li>"
            )
        parts.append("</ul>")
    link = message.dashboard_url
    if link and link.startswith(("http://", "https://")):
        parts.append(f'<p><a href="{e(link)}">Dashboard</a></p>')
    else:
        parts.append(f"<p>{e(message.link())}</p>")
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        + "".join(parts)
        + "</body></html>\n"
    )


class EmailChannel:
    def __init__(self, settings: ChannelSettings) -> None:
        self.name = settings.name
        self.settings = settings

    def _password(self) -> str | None:
        name = self.settings.password_env
        if not name:
            return None
        if name not in os.environ:
            raise DeliveryError(f"environment variable {name} is not set", retryable=False)
        return os.environ[name]

    async def send(self, message: Message) -> None:
        s = self.settings
        password = self._password()
        timeout = s.timeout.total_seconds()
        try:
            async with deadline(timeout):
                await aiosmtplib.send(
                    build(message, s),
                    hostname=s.smtp_host,
                    port=s.smtp_port,
                    username=s.username,
                    password=password,
                    use_tls=s.security == "tls",
                    start_tls=s.security == "starttls",
                    timeout=timeout,
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            transient = all(400 <= c < 500 for c in codes)
            raise DeliveryError(f"recipients refused: {exc}", retryable=transient) from None
        except aiosmtplib.SMTPResponseException as exc:
            transient = 400 <= exc.code < 500
            reason = f"SMTP {exc.code} {exc.message}"
            raise DeliveryError(reason, retryable=transient, status_code=exc.code) from None
        except aiosmtplib.SMTPTimeoutError:
            raise DeliveryTimeout(timeout) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from None
