"""The alert commands as a user drives them: shifts, status, alerts, silence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from notifier.shifts.record import detect_and_record
from scheduler.cli import app
from scheduler.config import load_settings
from scheduler.database import open_database
from tests.alerts.conftest import ceasefire_articles, ingest, own_text


@pytest.fixture
def config(tmp_path, receiver, smtp):
    port, _mailbox = smtp
    path = tmp_path / "peacewatch.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "pw.db"}"\n'
        f'[[channels]]\nname = "ops"\nkind = "webhook"\nurl = "{receiver.url}"\n'
        f'[[channels]]\nname = "desk"\nkind = "email"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {port}\nfrom = "pw@example.org"\nto = ["desk@example.org"]\n'
    )
    return path


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def record_shift(config, when: datetime | None = None) -> None:
    settings = load_settings(config)
    engine = open_database(settings.database.url)
    now = when or datetime.now(UTC)
    ingest(engine, ceasefire_articles(when=now - timedelta(minutes=1)))
    detect_and_record(engine, settings.topics, settings.alerts, settings.channels, now)
    engine.dispose()


def test_shifts_status_and_alerts_report_what_happened(config, receiver, smtp) -> None:
    record_shift(config)
    code, out, _ = cli("shifts", "--json", "--config", str(config))
    assert code == 0
    shifts = json.loads(out)
    raised = [s for s in shifts if s["suppressed"] is None]
    assert [(s["kind"], s["from"], s["to"]) for s in raised] == [
        ("decisive_status", "none", "ceasefire")
    ]
    assert datetime.fromisoformat(raised[0]["detected_at"]).tzinfo is not None
    assert sorted(d["channel"] for d in raised[0]["deliveries"]) == ["desk", "ops"]
    assert [s["suppressed"] for s in shifts if s["suppressed"]] == ["too little support"]

    code, out, _ = cli("status", "--json", "--config", str(config))
    (topic,) = json.loads(out)
    assert topic["topic"] == "russia-ukraine-talks"
    assert topic["status"] == "none"  # two outlets break a ceasefire; not yet the lead
    assert set(topic) >= {"status", "since", "support"}

    code, out, _ = cli("alerts", "--json", "--config", str(config))
    assert {a["state"] for a in json.loads(out)} == {"pending"}
    code, out, _ = cli("alerts", "deliver", "--json", "--config", str(config))
    assert json.loads(out)["sent"] == 2
    code, out, _ = cli("alerts", "--json", "--config", str(config))
    assert {a["state"] for a in json.loads(out)} == {"sent"}
    assert len(receiver.requests) == 1 and len(smtp[1]) == 1


def test_retry_requeues_a_dead_alert_and_refuses_a_sent_one(config, receiver) -> None:
    receiver.responses = [(404, {})]
    record_shift(config)
    cli("alerts", "deliver", "--config", str(config))
    code, out, _ = cli("alerts", "--json", "--state", "dead", "--config", str(config))
    (dead,) = json.loads(out)
    assert dead["channel"] == "ops" and "404" in dead["last_error"]
    code, _, err = cli("alerts", "retry", str(dead["id"]), "--config", str(config))
    assert code == 0 and "re-queued" in err
    cli("alerts", "deliver", "--config", str(config))
    code, out, _ = cli("alerts", "--json", "--config", str(config))
    assert {a["state"] for a in json.loads(out)} == {"sent"}
    code, _, err = cli("alerts", "retry", str(dead["id"]), "--config", str(config))
    assert code == 2 and "sent already" in err
    code, _, err = cli("alerts", "retry", "999", "--config", str(config))
    assert code == 2 and "no alert with id 999" in err


def test_alerts_test_reports_each_channel(config, tmp_path, receiver, smtp) -> None:
    code, out, _ = cli("alerts", "test", "--json", "--config", str(config))
    assert code == 0
    assert json.loads(out) == [
        {"channel": "ops", "ok": True, "error": None},
        {"channel": "desk", "ok": True, "error": None},
    ]
    assert json.loads(receiver.requests[0].body)["test"] is True
    assert smtp[1][0]["Subject"] == "[peacewatch] test message"
    receiver.responses = [(500, {})]
    code, out, _ = cli("alerts", "test", "--json", "--config", str(config))
    assert code == 1
    assert json.loads(out)[0] == {
        "channel": "ops",
        "ok": False,
        "error": "HTTP 500 Internal Server Error",
    }


def test_silence_mutes_alerts_but_keeps_the_record(config) -> None:
    code, out, _ = cli(
        "silence", "add", "--topic", "russia-ukraine-talks", "--for", "6h",
        "--comment", "summit day", "--json", "--config", str(config),
    )  # fmt: skip
    assert code == 0
    silence = json.loads(out)
    code, out, _ = cli("silence", "list", "--json", "--config", str(config))
    assert [s["id"] for s in json.loads(out)] == [silence["id"]]
    record_shift(config)
    code, out, _ = cli("shifts", "--json", "--config", str(config))
    (muted,) = [s for s in json.loads(out) if s["kind"] == "decisive_status"]
    assert muted["suppressed"].startswith(f"silence #{silence['id']}")
    assert muted["deliveries"] == []
    code, _, _ = cli("silence", "remove", str(silence["id"]), "--config", str(config))
    assert code == 0
    code, out, _ = cli("silence", "list", "--json", "--config", str(config))
    assert json.loads(out) == []
    code, out, _ = cli("silence", "list", "--all", "--json", "--config", str(config))
    assert [s["comment"] for s in json.loads(out)] == ["summit day"]


def test_silence_add_rejects_unknown_topic_and_bad_duration(config) -> None:
    code, _, err = cli("silence", "add", "--topic", "nope", "--for", "6h", "--config", str(config))
    assert code == 2 and "unknown topic 'nope'" in err
    code, _, err = cli(
        "silence",
        "add",
        "--topic",
        "russia-ukraine-talks",
        "--for",
        "soon",
        "--config",
        str(config),
    )
    assert code == 2 and "--for: invalid duration" in err


def test_status_decays_to_quiet_and_says_when_support_was_last_seen(config) -> None:
    settings = load_settings(config)
    engine = open_database(settings.database.url)
    when = datetime(2025, 5, 1, 12, tzinfo=UTC)
    title = "Ukraine and Russia peace talks stall again"
    ingest(
        engine,
        [(o, f"{title} ({o})", "stalled", when, own_text(o, title)) for o in OUTLETS],
    )
    detect_and_record(engine, settings.topics, settings.alerts, [], when)
    _, out, _ = cli("status", "--json", "--config", str(config))
    (topic,) = json.loads(out)
    assert (topic["status"], topic["quiet"]) == ("stalled", False)
    assert topic["since"] == topic["last_support_at"] == when.isoformat()
    later = when + timedelta(hours=25)  # past the 24 h window, no fresh support
    detect_and_record(engine, settings.topics, settings.alerts, [], later)
    engine.dispose()
    _, out, _ = cli("status", "--json", "--config", str(config))
    (topic,) = json.loads(out)
    assert (topic["status"], topic["quiet"]) == ("quiet", True)
    assert topic["since"] == later.isoformat()
    assert topic["last_support_at"] == when.isoformat()
    _, out, _ = cli("shifts", "--json", "--config", str(config))
    assert [s["suppressed"] for s in json.loads(out) if s["to"] == "quiet"] == ["decayed to quiet"]
    _, text, _ = cli("status", "--config", str(config))
    assert "quiet" in text


OUTLETS = ("bbc.co.uk", "dw.com", "npr.org")
