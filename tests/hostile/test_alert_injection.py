"""Alert emails: no article text adds a header, no markup reaches the HTML part.

Titles, outlets, evidence and topic titles are fed CR, LF, Unicode line breaks and
header-shaped text; the message is built, sent through a real SMTP server, and
parsed back as a mail client would.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from crawler.settings import TopicSettings
from notifier.alerts.outbox import deliver_pending
from notifier.channels.base import Message
from notifier.channels.email import build
from notifier.settings import AlertSettings, ChannelSettings
from notifier.shifts.record import detect_and_record
from tests.alerts.conftest import T0, ceasefire_articles, engine, ingest, smtp

__all__ = ["engine", "smtp"]  # fixtures, imported for pytest

HEADERS = {"Subject", "From", "To", "Date", "Message-ID", "X-Peacewatch-Delivery"}
BREAKS = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x00"]
INJECTION = "Bcc: victim@evil.example{0}X-Injected: yes{0}{0}<script>alert(1)</script>"
LIVE = re.compile(r"<\s*script|<[^>]*\son\w+\s*=|href\s*=\s*[\"']?\s*javascript:", re.I)
DESK = ChannelSettings.model_validate(
    {
        "name": "desk",
        "kind": "email",
        "smtp_host": "127.0.0.1",
        "from": "peacewatch@example.org",
        "to": ["desk@example.org"],
    }
)


def _payload(brk: str) -> dict[str, object]:
    attack = INJECTION.format(brk)
    return {
        "kind": "shift",
        "topic": "t",
        "topic_title": f"Talks{brk}Subject: forged",
        "shifts": [
            {
                "kind": "decisive_status",
                "from": "stalled",
                "to": "ceasefire",
                "topic": "t",
                "detected_at": T0.isoformat(),
                "support": {"stories": 1, "outlets": 2},
                "reasons": [attack],
            }
        ],
        "articles": [
            {
                "title": f"Ceasefire {attack}",
                "url": f"javascript:alert(1)//{brk}Bcc: x@evil.example",
                "outlet": f"evil.example{brk}Cc: y@evil.example",
                "status": "ceasefire",
                "evidence": [f"A ceasefire was agreed <img src=x onerror=alert(2)>{brk}Bcc: z@x"],
            }
        ],
    }


def test_no_line_break_of_any_kind_adds_a_header() -> None:
    for brk in BREAKS:
        message = Message(key=f"key{brk}Bcc: k@evil.example", payload=_payload(brk))
        raw = build(message, DESK).as_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert set(parsed.keys()) | {"MIME-Version", "Content-Type"} == HEADERS | {
            "MIME-Version",
            "Content-Type",
        }, (repr(brk), parsed.keys())
        assert "forged" in parsed["Subject"] or "ceasefire" in parsed["Subject"]
        html = parsed.get_body(("html",)).get_content()
        assert LIVE.search(html) is None, (repr(brk), html)
        text = parsed.get_body(("plain",)).get_content()
        assert not re.search(r"^(Bcc|Cc|X-Injected):", text, re.M), repr(brk)


async def test_hostile_titles_through_the_pipeline_and_a_real_smtp_server(engine, smtp) -> None:
    """Feed titles arrive entity-escaped; after ingest they are literal markup."""
    port, mailbox = smtp
    desk = DESK.model_copy(update={"smtp_port": port})
    title = "Russia and Ukraine agree a ceasefire &lt;img src=x onerror=alert(1)&gt;"
    ingest(engine, ceasefire_articles(title=title))
    topic = TopicSettings(title="Talks\r\nBcc: victim@evil.example")
    fast = AlertSettings(backoff_base="1s", max_backoff="2s", dead_after="1h")
    detect_and_record(engine, [topic], fast, [desk], now=T0)
    report = await deliver_pending(engine, [desk], fast)
    assert report.sent == 1, report.errors
    [mail] = mailbox
    assert "Bcc" not in mail and "victim" not in mail.get("To", "")
    html = mail.get_body(("html",)).get_content()
    assert LIVE.search(html) is None
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown, as text
