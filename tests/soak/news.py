"""The soak's news: 200 outlets, items that appear over time, and waves that shift coverage.

A plan is made once from a seed, before anything runs, so the feed server (in its own
process) and the checks agree on every item. Each item says when it appears, on which
feed, whether it is about the watched talks (irrelevant items must not be stored),
and which status its text reports. The run is cut into phases: a background of
stalled and ongoing talks, a wave of ceasefire reports from many outlets, a wave of
reports that the ceasefire and talks collapsed, then mixed coverage — so shift
detection has something to raise, and the rules classifier reads each text right.
Some stories are wire copies carried by several outlets (same text, own URL), which
dedup must group into one story while storing each copy once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

ADJECTIVES = "daily morning evening national global capital city river northern eastern".split()
NOUNS = (
    "herald post times tribune chronicle courier gazette observer telegraph journal "
    "ledger sentinel dispatch record express mirror star standard monitor review"
).split()
CITIES = ["Istanbul", "Geneva", "Riyadh", "Doha", "Vienna", "Ankara", "Jeddah", "Abu Dhabi"]
MEDIATORS = ["Turkey", "Saudi Arabia", "Qatar", "Switzerland", "the United Nations"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WHO = [
    "officials said",
    "diplomats said",
    "a person familiar with the talks said",
    "the foreign ministry said",
    "negotiators told reporters",
]

HEADLINES: dict[str, list[str]] = {
    "stalled": [
        "Russia-Ukraine peace talks in {city} end without breakthrough",
        "Kyiv and Moscow remain at an impasse after {city} talks",
        "No breakthrough as Ukrainian and Russian negotiators leave {city}",
    ],
    "ongoing": [
        "Ukrainian and Russian delegations hold talks in {city}",
        "Russia and Ukraine negotiators meet again in {city}",
    ],
    "scheduled": [
        "Ukrainian and Russian delegations to meet in {city} next week",
        "Kyiv and Moscow agree to hold new peace talks in {city} on {day}",
    ],
    "progress": [
        "Russia and Ukraine agree prisoner swap after {city} talks",
        "Kyiv and Moscow close to a deal on grain corridor, negotiators say",
    ],
    "ceasefire": [
        "Russia and Ukraine agree 30-day ceasefire after talks in {city}",
        "Ceasefire between Ukraine and Russia takes effect after {city} talks",
        "Kyiv and Moscow agree truce along the front line, {mediator} says",
    ],
    "collapsed": [
        "Ukraine-Russia talks collapse as Moscow delegation walks out in {city}",
        "Russia-Ukraine peace talks in {city} break down, ceasefire in tatters",
        "Kyiv suspends peace talks with Moscow after {city} round collapses",
    ],
}
SENTENCES: dict[str, list[str]] = {
    "stalled": [
        "Negotiators from Kyiv and Moscow ended a {n}th day of talks in {city} without a "
        "breakthrough, {who} on {day}.",
        "Both delegations said positions remained far apart on territory and security guarantees.",
        "The Kremlin spokesman said the peace talks had reached an impasse.",
        "Ukrainian officials described the {city} round as a diplomatic stalemate.",
    ],
    "ongoing": [
        "Delegations from Ukraine and Russia held talks in {city} on {day}, {who}.",
        "The negotiations, mediated by {mediator}, continued behind closed doors.",
        "Neither Kyiv nor Moscow commented on the substance of the discussions.",
    ],
    "scheduled": [
        "Delegations from Kyiv and Moscow will meet in {city} on {day} for a new round of "
        "peace talks, {who}.",
        "The date and venue were agreed after weeks of contacts through {mediator}.",
    ],
    "progress": [
        "Ukraine and Russia agreed to exchange {n}00 prisoners each after talks in {city}, "
        "{who}, calling it a constructive step.",
        "The Kremlin said the sides were close to a deal on humanitarian issues.",
    ],
    "ceasefire": [
        "Kyiv and Moscow agreed a full ceasefire that took effect at midnight, {who} after "
        "talks mediated by {mediator}.",
        "The truce covers the entire front line, Ukrainian President Volodymyr Zelensky "
        "said on {day}.",
        "Russian forces halted strikes as the ceasefire took hold, the Kremlin said.",
    ],
    "collapsed": [
        "Peace talks between Ukraine and Russia broke down on {day} when the Russian "
        "delegation walked out of the negotiations in {city}, {who}.",
        "Kyiv accused the Kremlin of sabotaging the process and suspended further talks.",
        "Fighting resumed along the front line hours after the talks collapsed.",
    ],
}
BACKGROUND = [
    "Air raid alerts sounded across several regions overnight.",
    "European leaders are due to discuss further aid at a summit later this month.",
    "Prices for grain exports have been volatile since the war began.",
    "Thousands of people remain displaced in the east of the country.",
]
IRRELEVANT = [
    (
        "Storm closes schools across the {adj} region",
        "Heavy rain and wind closed hundreds of schools on {day}, {who}. Rail services "
        "were cut and several roads flooded.",
    ),
    (
        "Central bank holds rates as inflation cools",
        "The central bank kept its main rate unchanged on {day}, {who}, citing slower "
        "price growth and a weaker labour market.",
    ),
    (
        "City marathon draws record field of runners",
        "More than {n}0,000 runners took part in the marathon on {day}, organisers said, "
        "as temperatures stayed mild.",
    ),
    (
        "Museum reopens after two-year renovation",
        "The museum reopened its main hall on {day} with a new exhibition of {adj} art, {who}.",
    ),
]


@dataclass(frozen=True)
class Item:
    id: int
    feed: int
    appear: float  # seconds after the run's start; <= 0 is in the feed from the start
    title: str
    link: str
    summary: str
    status: str  # the status its text reports ("" for an irrelevant item)
    wire: int | None = None  # the wire story it copies, if any

    @property
    def relevant(self) -> bool:
        return bool(self.status)


@dataclass(frozen=True)
class Plan:
    feeds: int
    duration: float
    items: tuple[Item, ...]
    phases: tuple[tuple[float, str], ...]

    def domain(self, feed: int) -> str:
        return outlet_domain(feed)


def outlet_domain(feed: int) -> str:
    adj = ADJECTIVES[feed % len(ADJECTIVES)]
    noun = NOUNS[(feed // len(ADJECTIVES)) % len(NOUNS)]
    lap = feed // (len(ADJECTIVES) * len(NOUNS))
    return f"{adj}{noun}{lap or ''}.com"


def phases(duration: float) -> tuple[tuple[float, str], ...]:
    """(start, name) of each phase, as fractions of the run turned into seconds."""
    return (
        (float("-inf"), "background"),
        (0.30 * duration, "ceasefire-wave"),
        (0.45 * duration, "background-ceasefire"),
        (0.60 * duration, "collapse-wave"),
        (0.75 * duration, "mixed"),
    )


MIX: dict[str, list[tuple[str, float]]] = {
    "background": [("stalled", 0.6), ("ongoing", 0.2), ("scheduled", 0.1), ("progress", 0.1)],
    "ceasefire-wave": [("ceasefire", 0.7), ("stalled", 0.2), ("ongoing", 0.1)],
    "background-ceasefire": [("ceasefire", 0.3), ("ongoing", 0.4), ("progress", 0.3)],
    "collapse-wave": [("collapsed", 0.7), ("ongoing", 0.2), ("stalled", 0.1)],
    "mixed": [("stalled", 0.3), ("scheduled", 0.3), ("ongoing", 0.2), ("collapsed", 0.2)],
}


def phase_at(plan_phases: tuple[tuple[float, str], ...], t: float) -> str:
    name = plan_phases[0][1]
    for start, phase in plan_phases:
        if t >= start:
            name = phase
    return name


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        city=rng.choice(CITIES),
        mediator=rng.choice(MEDIATORS),
        day=rng.choice(DAYS),
        who=rng.choice(WHO),
        n=rng.randint(2, 9),
        adj=rng.choice(ADJECTIVES),
    )


def _story(status: str, rng: random.Random) -> tuple[str, str]:
    title = _fill(rng.choice(HEADLINES[status]), rng)
    sentences = [_fill(s, rng) for s in SENTENCES[status]]
    rng.shuffle(sentences)
    keep = sentences[: rng.randint(2, len(sentences))]
    keep.insert(rng.randint(1, len(keep)), rng.choice(BACKGROUND))
    return title, " ".join(keep)


def make_plan(
    feeds: int,
    duration: float,
    *,
    item_every: float,
    quiet_tail: float,
    initial: int = 3,
    irrelevant: float = 0.15,
    wire: float = 0.1,
    seed: int = 1,
) -> Plan:
    """Items for `feeds` feeds over `duration` seconds: `initial` each at the start, then
    one per feed about every `item_every` seconds, none in the last `quiet_tail`."""
    rng = random.Random(seed)
    spans = phases(duration)
    items: list[Item] = []
    wires = 0

    def add(feed: int, appear: float, title: str, summary: str, status: str, **kw: int) -> None:
        n = len(items)
        slug = "-".join(w.lower().strip(",.") for w in title.split()[:6])
        link = (
            f"https://www.{outlet_domain(feed)}/world/{slug}-{n}.html"
            f"?utm_source=rss&utm_medium=feed{'&ref=' + str(feed) if n % 3 == 0 else ''}"
        )
        items.append(Item(n, feed, appear, title, link, summary, status, **kw))

    last = duration - quiet_tail
    for feed in range(feeds):
        times = [-rng.uniform(60, 3600) for _ in range(initial)]
        t = rng.uniform(0, item_every)
        while t < last:
            times.append(t)
            t += rng.expovariate(1 / item_every)
        for appear in sorted(times):
            if rng.random() < irrelevant:
                title, body = rng.choice(IRRELEVANT)
                add(feed, appear, _fill(title, rng), _fill(body, rng), "")
                continue
            status = _pick(MIX[phase_at(spans, appear)], rng)
            title, summary = _story(status, rng)
            if appear > 0 and rng.random() < wire:
                wires += 1
                add(feed, appear, title, summary, status, wire=wires)
                for other in rng.sample(range(feeds), k=min(feeds - 1, rng.randint(2, 4))):
                    if other != feed:
                        copy = f"{title} | {outlet_domain(other).removesuffix('.com').title()}"
                        when = min(appear + rng.uniform(1, 20), last)
                        add(other, when, copy, summary, status, wire=wires)
                continue
            add(feed, appear, title, summary, status)
    items.sort(key=lambda i: (i.appear, i.id))
    return Plan(feeds, duration, tuple(items), spans)


def _pick(mix: list[tuple[str, float]], rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in mix:
        total += share
        if roll < total:
            return status
    return mix[-1][0]


def rss_document(plan: Plan, feed: int, items: list[Item], started: float) -> bytes:
    """A realistic RSS 2.0 document: namespaces, GUIDs, authors, categories, HTML bodies."""
    domain = outlet_domain(feed)
    origin = datetime.fromtimestamp(started, UTC)
    parts = []
    for item in items:
        when = format_datetime(origin + timedelta(seconds=item.appear))
        body = f"<p>{escape(item.summary)}</p>"
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="false">urn:{domain}:{item.id}</guid><pubDate>{when}</pubDate>'
            f"<dc:creator>Staff reporter {item.id % 17}</dc:creator>"
            f"<category>{'World' if item.relevant else 'Local'}</category>"
            f"<description>{escape(body)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{escape(domain)} - World</title><link>https://www.{domain}/</link>"
        f"<description>News from {escape(domain)}</description><language>en</language>"
        f"{''.join(reversed(parts))}</channel></rss>"
    ).encode()
