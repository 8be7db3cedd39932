"""Independent confirmation: echoes fold, one feed is one voice, a status ages.

The pure detector is driven with built observations; the feed cases go through a real
local HTTP server, `peacewatch crawl` and `peacewatch shifts`, as a user would see them.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from notifier.settings import AlertSettings
from notifier.shifts.detect import DetectorState, Observation, detect_shifts
from tests.conftest import write_config

T = datetime(2025, 3, 1, tzinfo=UTC)
_ids = count(1)


def story(story_id: int, status: str, outlets: list[str], at: datetime, source: str | None = None):
    return [
        Observation(next(_ids), story_id, o, status, 0.8, at, source, source is not None)
        for o in outlets
    ]


def run(rows, state=None, now=T, settings=None):
    return detect_shifts(rows, state or DetectorState(), settings or AlertSettings(), now)


def raised(detection):
    return [(d.kind, d.from_status, d.to_status) for d in detection.decisions if not d.suppressed]


def test_one_wire_story_in_five_outlets_raises_nothing_decisive() -> None:
    wire = story(1, "ceasefire", ["a.com", "b.com", "c.com", "d.com", "e.com"], T)
    result = run(wire)
    assert raised(result) == []
    reasons = {(d.kind, d.suppressed) for d in result.decisions}
    assert ("decisive_status", "copies folded") in reasons
    assert ("status_change", "copies folded") in reasons


def test_three_independent_reports_raise_a_shift() -> None:
    rows = [
        obs
        for k, o in enumerate(["a.com", "b.com", "c.com"])
        for obs in story(k + 1, "ceasefire", [o], T)
    ]
    result = run(rows)
    assert raised(result) == [("decisive_status", "none", "ceasefire")]
    (decision,) = [d for d in result.decisions if not d.suppressed]
    assert (decision.stories, decision.outlets) == (3, 3)


def test_one_configured_source_is_one_outlet_however_it_spells_hosts() -> None:
    hosts = [f"host{i}.example" for i in range(15)]
    rows = [
        obs
        for k, host in enumerate(hosts)
        for obs in story(k + 1, "ceasefire", [host], T, source="hostile")
    ]
    result = run(rows)
    assert raised(result) == []
    assert {d.outlets for d in result.decisions} == {1}
    assert {d.suppressed for d in result.decisions} == {"single source"}


def test_a_status_decays_to_quiet_and_re_emerges_as_a_new_event() -> None:
    def reports(first: int, at: datetime):
        return [
            obs
            for k, o in enumerate(["a.com", "b.com", "c.com"])
            for obs in story(first + k, "stalled", [o], at)
        ]

    early = reports(1, T)
    start = run(early)
    assert raised(start) == [("status_change", "none", "stalled")]
    assert start.decisions[0].reasons == ("initial state",)
    assert start.state.last_support_at == T
    # A day later nothing in the 24 h window says "stalled": it is no longer reported.
    later = run(early, start.state, T + timedelta(hours=25))
    assert [(d.to_status, d.suppressed) for d in later.decisions] == [("quiet", "decayed to quiet")]
    assert later.state.status == "quiet" and later.state.last_support_at == T
    # Weeks on, the same status is reported again: a new event that alerts, not a repeat.
    back_at = T + timedelta(days=30)
    again = run(early + reports(10, back_at), later.state, back_at)
    assert raised(again) == [("status_change", "quiet", "stalled")]
    assert "initial state" not in again.decisions[0].reasons
    assert again.state.status == "stalled" and again.state.since == back_at


def test_initial_state_is_reported_once_and_can_be_kept_quiet() -> None:
    rows = [
        obs
        for k, o in enumerate(["a.com", "b.com", "c.com"])
        for obs in story(k + 1, "ongoing", [o], T)
    ]
    first = run(rows)
    assert [d.reasons for d in first.decisions] == [("initial state",)]
    more = rows + [
        obs
        for k, o in enumerate(["d.com", "e.com", "f.com"])
        for obs in story(k + 20, "stalled", [o], T + timedelta(hours=20))
    ]
    more += [
        obs
        for k, o in enumerate(["g.com", "h.com"])
        for obs in story(k + 30, "stalled", [o], T + timedelta(hours=20))
    ]
    moved = run(more, first.state, T + timedelta(hours=20))
    assert [d.to_status for d in moved.decisions if not d.suppressed] == ["stalled"]
    assert all("initial state" not in d.reasons for d in moved.decisions)
    silent = run(rows, settings=AlertSettings(initial_alert=False))
    assert [(d.to_status, d.suppressed) for d in silent.decisions] == [("ongoing", "initial state")]
    assert silent.state.status == "ongoing"


def test_the_same_stream_always_yields_the_same_shifts() -> None:
    rng = random.Random(7)
    rows = []
    for k in range(40):
        outlets = rng.sample([f"o{i}.com" for i in range(12)], rng.randint(1, 4))
        status = rng.choice(["stalled", "ongoing", "ceasefire", "proposed"])
        source = rng.choice([None, "feed-a", "feed-b"])
        rows += story(k + 1, status, outlets, T + timedelta(hours=k * 3), source)

    def replay(stream):
        state, out = DetectorState(), []
        for hour in range(0, 40 * 3 + 48, 3):
            result = run(stream, state, T + timedelta(hours=hour))
            state = result.state
            out += [(hour, d) for d in result.decisions]
        return out, state.to_json()

    first = replay(rows)
    assert first == replay(list(reversed(rows)))
    assert first == replay(rng.sample(rows, len(rows)))


# ---- through a real feed server and the CLI ------------------------------------------

SPELLINGS = [
    "example.org",
    "EXAMPLE.ORG",
    "example.org.",
    "www.example.org",
    "Www.Example.Org",
    "m.example.org",
    "amp.example.org",
    "example.org:8080",
    "news.example.org",
    "exa%6Dple.org",
    "xn--exmple-cua.org",
    "127.0.0.1",
    "0x7f.0.0.1",
    "2130706433",
    "[::1]",
]
_WORDS = (
    "envoy minister front monitors border capital briefing statement shelling drone "
    "artillery village corridor observers energy grid port grain convoy hotel spokesman "
    "analyst region frontier morning evening sources weather river bridge railway"
).split()


def _report(n: int) -> tuple[str, str]:
    """A ceasefire report in its own words: each one is its own story."""
    rng = random.Random(n)
    words = " ".join(rng.choice(_WORDS) for _ in range(60))
    title = f"Russia and Ukraine agree a ceasefire, report {n} says"
    summary = (
        f"Negotiators from Kyiv and Moscow signed the truce, which takes effect on Monday "
        f"along the whole front line. {words}."
    )
    return title, summary


def _rss(items: list[tuple[str, str, str | None]]) -> bytes:
    """Items (link, source element, or None) of fresh ceasefire reports."""
    now = format_datetime(datetime.now(UTC) - timedelta(minutes=5))
    body = []
    for n, (link, source) in enumerate(items):
        title, summary = _report(n)
        body.append(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f"<guid>{escape(link)}</guid><pubDate>{now}</pubDate>"
            f"<description>{escape(summary)}</description>{source or ''}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>http://example.org/</link><description>d</description>{''.join(body)}"
        "</channel></rss>"
    ).encode()


def _crawl(http_server, cli, config_path, db_url, body: bytes, **source):
    url = http_server.route("/feed.xml", _response(body))
    write_config(
        config_path,
        database=db_url,
        sources=[{"name": "feed", "kind": "feed", "url": url, **source}],
    )
    result = cli("crawl", "--json", "--no-alerts")
    assert result.exit_code == 0, result.stderr
    return result.json(), cli("articles", "--json", "--limit", "100").json()


def _response(body: bytes):
    from tests.servers import Response

    return Response(body=body, headers={"Content-Type": "application/rss+xml"})


def test_a_hostile_feeds_host_spellings_count_as_one_outlet(
    http_server, cli, config_path, db_url
) -> None:
    items = [(f"http://{host}/news/{n}.html", None) for n, host in enumerate(SPELLINGS)]
    _, articles = _crawl(http_server, cli, config_path, db_url, _rss(items))
    # The feed claims several outlets (w3lib 2.6 and later fold the IP spellings into one) …
    assert len({a["outlet"] for a in articles}) >= 3
    assert {a["status"] for a in articles} == {"ceasefire"}
    shifts = cli("shifts", "--json").json()
    assert [s for s in shifts if s["suppressed"] is None] == []  # … and backs nothing alone
    assert {s["support"]["outlets"] for s in shifts} == {1}
    assert "single source" in {s["suppressed"] for s in shifts}


def test_an_aggregators_items_count_for_their_named_outlets(
    http_server, cli, config_path, db_url
) -> None:
    named = [
        f"<source url={quoteattr('https://www.reuters.com/world/')}>Reuters</source>",
        f"<source url={quoteattr('https://apnews.com/')}>AP News</source>",
        f"<source url={quoteattr('https://www.bbc.co.uk/news')}>BBC News</source>",
        "<source>Kyiv Independent</source>",
    ]
    items = [(f"https://news.aggregator.com/a/{n}", s) for n, s in enumerate(named)]
    _, articles = _crawl(http_server, cli, config_path, db_url, _rss(items), aggregator=True)
    assert sorted(a["outlet"] for a in articles) == [
        "apnews.com",
        "bbc.co.uk",
        "kyiv independent",
        "reuters.com",
    ]
    shifts = [s for s in cli("shifts", "--json").json() if s["suppressed"] is None]
    assert [(s["kind"], s["to"], s["support"]) for s in shifts] == [
        ("decisive_status", "ceasefire", {"stories": 4, "outlets": 4})
    ]


def test_an_aggregators_headlines_are_stored_without_the_outlet_they_end_with(
    http_server, cli, config_path, db_url
) -> None:
    """News-search feeds end each headline with " - Outlet", the outlet their item names;
    that outlet is stored apart. A suffix naming another outlet is part of the headline."""
    named = ["Reuters", "Kyiv Independent", "AP News"]
    suffixes = [" - Reuters", " -  kyiv independent", " - The Guardian"]
    body = _rss([(f"https://news.aggregator.com/a/{n}", None) for n in range(3)]).decode()
    for n, (outlet, suffix) in enumerate(zip(named, suffixes, strict=True)):
        title = escape(_report(n)[0])
        body = body.replace(
            f"<title>{title}</title>",
            f"<title>{title}{escape(suffix)}</title><source>{escape(outlet)}</source>",
        )
    _, articles = _crawl(http_server, cli, config_path, db_url, body.encode(), aggregator=True)
    assert sorted(a["title"] for a in articles) == sorted(
        [_report(0)[0], _report(1)[0], _report(2)[0] + " - The Guardian"]
    )


def test_without_the_aggregator_flag_the_feed_is_one_outlet(
    http_server, cli, config_path, db_url
) -> None:
    items = [
        (f"https://news.aggregator.com/a/{n}", f"<source>Outlet {n}</source>") for n in range(4)
    ]
    _, articles = _crawl(http_server, cli, config_path, db_url, _rss(items))
    assert {a["outlet"] for a in articles} == {"aggregator.com"}
    assert [s for s in cli("shifts", "--json").json() if s["suppressed"] is None] == []
