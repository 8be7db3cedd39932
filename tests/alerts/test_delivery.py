"""End to end: a shift, its outbox rows, and delivery to a real SMTP server and webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from sqlalchemy import select

from crawler.store.db import session_scope
from notifier.alerts.outbox import deliver_pending
from notifier.reports import list_shifts
from notifier.settings import AlertSettings, ChannelSettings
from notifier.shifts.record import detect_and_record
from notifier.tables import Alert, DeliveryAttempt, Shift
from tests.alerts.conftest import T0, ceasefire_articles, ingest, own_text

SECRET = "s3cret"
FAST = AlertSettings(backoff_base="1s", max_backoff="2s", dead_after="1h")


def channels(receiver_url: str, smtp_port: int | None = None) -> list[ChannelSettings]:
    found = [ChannelSettings(name="ops", kind="webhook", url=receiver_url, secret=SECRET)]
    if smtp_port is not None:
        found.append(
            ChannelSettings.model_validate(
                {
                    "name": "desk",
                    "kind": "email",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": smtp_port,
                    "from": "peacewatch@example.org",
                    "to": ["desk@example.org"],
                }
            )
        )
    return found


def alert_states(engine) -> list[str]:
    with session_scope(engine) as session:
        return [a.state for a in session.exec(select(Alert).order_by(Alert.id)).scalars()]


async def test_shift_sends_one_email_and_one_signed_webhook(engine, receiver, smtp) -> None:
    port, mailbox = smtp
    chans = channels(receiver.url, port)
    ingest(engine, ceasefire_articles())
    shifts = detect_and_record(engine, [_topic()], FAST, chans, now=T0)
    raised = [s for s in shifts if s.suppressed is None]
    assert [(s.kind, s.from_status, s.to_status, s.outlets) for s in raised] == [
        ("decisive_status", "none", "ceasefire", 2)
    ]
    report = await deliver_pending(engine, chans, FAST)
    assert (report.sent, report.failed, report.dead) == (2, 0, 0)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-peacewatch-signature"] == expected
    body = json.loads(request.body)
    assert body["shift"]["kind"] == "decisive_status"
    assert (body["shift"]["from"], body["shift"]["to"]) == ("none", "ceasefire")
    assert body["shift"]["support"] == {"stories": 2, "outlets": 2}
    assert body["shift"]["detected_at"] == T0.isoformat()
    assert {a["outlet"] for a in body["articles"]} <= {"apnews.com", "reuters.com"}
    assert set(body["articles"][0]) >= {"title", "url", "outlet", "status"}

    assert len(mailbox) == 1
    mail = mailbox[0]
    assert mail["Subject"] == "[peacewatch] Russia–Ukraine talks: none → ceasefire (2 outlets)"
    with session_scope(engine) as session:
        keys = {a.channel: a.idempotency_key for a in session.exec(select(Alert)).scalars()}
    assert request.headers["x-peacewatch-delivery"] == keys["ops"]
    assert mail["Message-ID"] == f"<{keys['desk']}@example.org>"
    kinds = {part.get_content_type() for part in mail.walk()}
    assert {"text/plain", "text/html"} <= kinds
    assert "ceasefire" in mail.get_body(("plain",)).get_content()
    assert alert_states(engine) == ["sent", "sent"]
    # Nothing more is due: a second pass sends nothing twice.
    again = await deliver_pending(engine, chans, FAST)
    assert (again.sent, len(receiver.requests), len(mailbox)) == (0, 1, 1)


async def test_receiver_down_keeps_alert_pending_until_it_returns(engine, receiver) -> None:
    down = channels("http://127.0.0.1:9/hook")  # nothing listens on the discard port
    ingest(engine, ceasefire_articles())
    detect_and_record(engine, [_topic()], FAST, down, now=T0)
    report = await deliver_pending(engine, down, FAST, now=T0)
    assert (report.sent, report.failed, report.dead) == (0, 1, 0)
    assert alert_states(engine) == ["pending"]
    with session_scope(engine) as session:
        alert = session.exec(select(Alert)).scalars().one()
        key, due = alert.idempotency_key, alert.next_attempt_at
    # Not due yet: nothing is tried before the backoff has passed.
    early = await deliver_pending(engine, down, FAST, now=T0)
    assert (early.sent, early.failed) == (0, 0)
    # A 503 with Retry-After is a retry too, and the wait is honoured.
    receiver.responses = [(503, {"Retry-After": "120"})]
    up = channels(receiver.url)
    later = due + timedelta(seconds=1)
    report = await deliver_pending(engine, up, FAST, now=later)
    assert (report.sent, report.failed) == (0, 1)
    with session_scope(engine) as session:
        alert = session.exec(select(Alert)).scalars().one()
        assert alert.next_attempt_at >= later + timedelta(seconds=120)
        retry_at = alert.next_attempt_at
    report = await deliver_pending(engine, up, FAST, now=retry_at)
    assert report.sent == 1
    assert alert_states(engine) == ["sent"]
    assert [r.headers["x-peacewatch-delivery"] for r in receiver.requests] == [key, key]
    with session_scope(engine) as session:
        outcomes = [a.outcome for a in session.exec(select(DeliveryAttempt)).scalars()]
        assert outcomes == ["failed", "failed", "sent"]
        history = list_shifts(session)
    delivery = next(s for s in history if s["suppressed"] is None)["deliveries"][0]
    assert [a["outcome"] for a in delivery["delivery_attempts"]] == outcomes


async def test_permanent_4xx_goes_dead_at_once_and_retry_requeues(engine, receiver) -> None:
    from notifier.alerts.outbox import requeue

    chans = channels(receiver.url)
    receiver.responses = [(410, {})]
    ingest(engine, ceasefire_articles())
    detect_and_record(engine, [_topic()], FAST, chans, now=T0)
    report = await deliver_pending(engine, chans, FAST, now=T0)
    assert (report.sent, report.failed, report.dead) == (0, 0, 1)
    assert alert_states(engine) == ["dead"]
    with session_scope(engine) as session:
        alert = session.exec(select(Alert)).scalars().one()
        assert "410" in (alert.last_error or "")
        requeue(session, alert, T0 + timedelta(days=2))
    report = await deliver_pending(engine, chans, FAST, now=T0 + timedelta(days=2))
    assert report.sent == 1 and alert_states(engine) == ["sent"]


async def test_retrying_past_dead_after_goes_dead(engine) -> None:
    down = channels("http://127.0.0.1:9/hook")
    ingest(engine, ceasefire_articles())
    detect_and_record(engine, [_topic()], FAST, down, now=T0)
    report = await deliver_pending(engine, down, FAST, now=T0 + timedelta(hours=2))
    assert (report.failed, report.dead) == (0, 1)
    assert alert_states(engine) == ["dead"]


async def test_title_with_crlf_and_script_stays_inert(engine, smtp, receiver) -> None:
    port, mailbox = smtp
    chans = channels(receiver.url, port)
    # As a feed would carry it: CR/LF and an entity-escaped script, decoded on ingest.
    evil = "Ceasefire agreed\r\nBcc: victim@example.org\r\n&lt;script&gt;alert(1)&lt;/script&gt;"
    ingest(
        engine,
        [
            ("apnews.com", evil, "ceasefire", T0),
            ("reuters.com", evil + " in Istanbul", "ceasefire", T0, own_text("r", evil)),
        ],
    )
    detect_and_record(engine, [_topic()], FAST, chans, now=T0)
    report = await deliver_pending(engine, chans, FAST, now=T0)
    assert report.sent == 2
    mail = mailbox[0]
    assert mail["Bcc"] is None
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    body = json.loads(receiver.requests[0].body)
    assert "<script>alert(1)</script>" in body["articles"][0]["title"]  # data, not markup


def test_email_headers_cannot_be_injected_even_from_raw_payloads() -> None:
    from notifier.channels import Message
    from notifier.channels.email import build

    settings = channels("http://127.0.0.1:9/", 25)[1]
    evil = "Truce\r\nBcc: victim@example.org\n<script>alert(1)</script>"
    shift = {
        "kind": "decisive_status",
        "from": "ongoing",
        "to": "ceasefire",
        "topic": "t",
        "detected_at": T0.isoformat(),
        "support": {"stories": 1, "outlets": 2},
    }
    payload = {
        "kind": "shift",
        "topic": "t",
        "topic_title": "Talks\r\nBcc: x@example.org",
        "shifts": [shift],
        "articles": [
            {"title": evil, "url": "javascript:alert(1)", "outlet": "a.example", "status": "x"}
        ],
    }
    mail = build(Message("pw-key\r\nX-Evil: 1", payload), settings)
    raw = mail.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX-Evil:" not in raw
    assert (
        mail["Subject"] == "[peacewatch] Talks Bcc: x@example.org: ongoing → ceasefire (2 outlets)"
    )
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and 'href="javascript' not in html


async def test_silence_records_the_shift_but_sends_nothing(engine, receiver) -> None:
    from notifier.tables import Silence

    chans = channels(receiver.url)
    with session_scope(engine) as session:
        session.add(Silence(topic=_topic().name, starts_at=T0, ends_at=T0 + timedelta(hours=6)))
    ingest(engine, ceasefire_articles())
    shifts = detect_and_record(engine, [_topic()], FAST, chans, now=T0)
    assert [s.suppressed.split(" ")[0] for s in shifts if s.kind == "decisive_status"] == [
        "silence"
    ]
    assert alert_states(engine) == []
    with session_scope(engine) as session:
        assert session.exec(select(Shift)).scalars().first() is not None


async def test_routing_min_kind_digest_and_group_wait(engine) -> None:
    decisive_only = ChannelSettings(
        name="desk", kind="webhook", url="http://127.0.0.1:9/", min_kind="decisive_status"
    )
    digest = ChannelSettings(name="daily", kind="webhook", url="http://127.0.0.1:9/", digest=True)
    settings = AlertSettings(digest_time="08:00")
    ingest(engine, ceasefire_articles())
    detect_and_record(
        engine,
        [_topic()],
        settings,
        [decisive_only, digest],
        now=T0,
        group_wait=timedelta(seconds=30),
    )
    with session_scope(engine) as session:
        rows = {a.channel: a for a in session.exec(select(Alert)).scalars()}
    assert rows["desk"].next_attempt_at == T0 + timedelta(seconds=30)
    assert rows["daily"].kind == "digest"
    assert rows["daily"].next_attempt_at == (T0 + timedelta(days=1)).replace(hour=8)
    # A shift of a lesser kind reaches the digest (joining the waiting one) but not the desk.
    ingest(
        engine,
        [
            (
                o,
                f"Talks under way in Istanbul, day {i}",
                "ongoing",
                T0 + timedelta(hours=7),
                own_text(o, "Talks under way in Istanbul"),
            )
            for i, o in enumerate(
                (
                    "bbc.co.uk",
                    "dw.com",
                    "france24.com",
                    "cnn.com",
                    "npr.org",
                    "ft.com",
                    "nytimes.com",
                )
            )
        ],
    )
    later = detect_and_record(
        engine, [_topic()], settings, [decisive_only, digest], now=T0 + timedelta(hours=7)
    )
    assert [s.kind for s in later if s.suppressed is None] == ["status_change"]
    with session_scope(engine) as session:
        rows = list(session.exec(select(Alert)).scalars())
    assert sorted(a.channel for a in rows) == ["daily", "desk"]
    daily = next(a for a in rows if a.channel == "daily")
    assert len(daily.payload["shifts"]) == 2


def _topic():
    from crawler.settings import TopicSettings

    return TopicSettings()


async def test_chat_formats_cut_long_bodies_with_a_link_never_drop_them(engine, receiver) -> None:
    settings = AlertSettings(dashboard_url="https://watch.example.org/")
    slack = ChannelSettings(name="slack", kind="webhook", url=receiver.url, format="slack")
    discord = ChannelSettings(name="discord", kind="webhook", url=receiver.url, format="discord")
    long_title = "Russia and Ukraine agree a ceasefire " + "with many conditions " * 40
    ingest(engine, ceasefire_articles(title=long_title))
    detect_and_record(engine, [_topic()], settings, [slack, discord], now=T0)
    report = await deliver_pending(engine, [slack, discord], settings, now=T0)
    assert report.sent == 2
    bodies = [json.loads(r.body) for r in receiver.requests]
    text = next(b["text"] for b in bodies if "text" in b)
    content = next(b["content"] for b in bodies if "content" in b)
    assert text.startswith("[peacewatch] Russia–Ukraine talks: none → ceasefire")
    assert len(text) <= 3000 and len(content) <= 2000
    assert content.endswith("https://watch.example.org/")


async def test_apprise_missing_is_a_clear_permanent_error() -> None:
    import importlib.util

    import pytest

    from notifier.channels import DeliveryError, Message, make_channel

    if importlib.util.find_spec("apprise") is not None:
        pytest.skip("apprise is installed here")
    channel = make_channel(
        ChannelSettings(name="pager", kind="apprise", apprise_urls=["json://127.0.0.1:9/"])
    )
    with pytest.raises(DeliveryError) as caught:
        await channel.send(Message("pw-x", {"kind": "test"}))
    assert not caught.value.retryable
    assert "pip install 'peacewatch[apprise]'" in caught.value.reason
