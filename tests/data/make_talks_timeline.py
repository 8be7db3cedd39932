"""Writes talks_timeline.jsonl: 17 days of coverage of the Russia–Ukraine talks.

stalled (days 0–6) → talks scheduled (day 7) → ongoing (days 9–12) → ceasefire
(day 13, a burst) → collapsed (day 16), with syndicated copies (exact and near),
relevant articles that report no status, and irrelevant noise. Each line carries the
ground-truth `status` label; texts are worded so a rules classifier should agree.
Run: python tests/data/make_talks_timeline.py
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2025, 3, 1, tzinfo=UTC)
OUT = Path(__file__).with_name("talks_timeline.jsonl")

# Three pools of coprime sizes: two stories rarely share more than one sentence, so
# distinct stories stay below the near-duplicate threshold while copies stay above it.
DETAILS_A = [
    "Officials in Kyiv briefed reporters late in the evening on the state of the file.",
    "The Kremlin's spokesman declined to give a timetable when asked on a conference call.",
    "Ukraine's foreign minister spoke by phone with his Turkish counterpart on Sunday.",
    "Moscow repeated its demand that Kyiv abandon its bid to join the NATO alliance.",
    "Envoys from Washington and several European capitals shuttled between the delegations.",
    "The Ukrainian president told lawmakers that territorial concessions were not on the table.",
    "Russian state television devoted its evening bulletin to the diplomatic manoeuvring.",
]
DETAILS_B = [
    "Grain shipments through the Black Sea corridor were not affected, port officials said.",
    "A spokesperson for the UN secretary-general urged restraint and respect for civilians.",
    "Energy workers restored power to parts of Kharkiv after a night of strikes.",
    "European leaders meeting in Brussels discussed new sanctions on Russian oil exports.",
    "Families of prisoners of war gathered outside the presidential office in Kyiv.",
    "Markets in Moscow barely moved on the news, traders said.",
    "The Vatican's envoy, Cardinal Zuppi, has been in contact with both capitals.",
    "Satellite images showed fresh trenches being dug along the southern front.",
    "The Red Cross asked for access to detention sites on both sides of the line.",
    "Polish and Baltic officials warned against any deal made over Ukraine's head.",
    "Turkish officials said the Dolmabahce palace had been prepared for any meeting.",
]
DETAILS_C = [
    "Air raid sirens sounded across eastern regions for much of the afternoon.",
    "Observers from the OSCE have not been present on the ground since 2022.",
    "A poll by the Kyiv International Institute of Sociology showed fatigue with the war.",
    "Russian bloggers close to the military criticised the diplomatic track.",
    "The International Atomic Energy Agency reported drone activity near Zaporizhzhia.",
    "Refugee numbers in neighbouring Moldova were stable, the UNHCR said.",
    "Insurers raised premiums for ships calling at Odesa and Izmail.",
    "A regional governor reported damage to a school and a hospital overnight.",
    "Diplomatic cables seen by journalists described deep mistrust between the teams.",
    "Exchange rates for the hryvnia held steady on the interbank market.",
    "Military analysts said spring weather would shape both armies' plans.",
    "The Ukrainian parliament extended martial law for another ninety days.",
    "Officials in Belgorod reported shelling of border villages.",
]
WIRE_TAIL = {
    "apnews.com": "Copyright 2025 The Associated Press. All rights reserved.",
    "reuters.com": "Reporting by the Moscow and Kyiv bureaus; editing by the world desk.",
}
SYNDICATORS = [
    "abcnews.go.com",
    "washingtonpost.com",
    "usnews.com",
    "thestar.com",
    "independent.co.uk",
    "yahoo.com",
    "euronews.com",
    "aljazeera.com",
]

LEADS = {
    "stalled": [
        "Peace talks between Russia and Ukraine remain deadlocked, with no breakthrough in sight.",
        "Peace efforts stalled again as Moscow and Kyiv traded blame for the impasse.",
        "Talks between Russia and Ukraine are at a standstill, officials in Kyiv said.",
        "Diplomats describe a stalemate: neither Russia nor Ukraine has moved on core demands.",
        "Hopes for talks faded as the Kremlin rejected Kyiv's conditions and the deadlock held.",
        "There has been no progress toward peace negotiations with Russia, Kyiv said.",
        "The diplomatic stalemate over Ukraine deepened as Russia refused a new round of talks.",
    ],
    "scheduled": [
        "Russian and Ukrainian delegations will meet in Istanbul on Monday, Turkey announced.",
        "Kyiv and Moscow agreed to hold direct talks next week, the first in three years.",
        "A date is set: negotiators from Ukraine and Russia will meet in Istanbul on 10 March.",
        "The Kremlin confirmed its delegation will travel to Istanbul for talks with Ukraine.",
    ],
    "ongoing": [
        "Russian and Ukrainian negotiators held talks in Istanbul for a second day.",
        "Talks between Ukraine and Russia are under way behind closed doors, mediators said.",
        "Delegations from Moscow and Kyiv met again on Tuesday as the negotiations continued.",
        "Ukraine's and Russia's negotiating teams sat down for another round of talks.",
    ],
    "ceasefire": [
        "Russia and Ukraine agreed to a 30-day ceasefire that takes effect at midnight.",
        "A full ceasefire between Russia and Ukraine is now in force, both governments said.",
        "Moscow and Kyiv signed a truce halting strikes along the entire front line.",
        "The guns fell silent as the ceasefire agreed by Russia and Ukraine took hold.",
        "Both sides announced a ceasefire after overnight talks, the Turkish mediators said.",
    ],
    "collapsed": [
        "The talks between Russia and Ukraine collapsed after Moscow's delegation walked out.",
        "The ceasefire has collapsed and the negotiations were called off, Kyiv said.",
        "Russia suspended its participation in the talks, and the truce broke down.",
        "Ukraine said the peace talks had broken down after renewed Russian assaults.",
    ],
    "none": [
        "Russian drones struck Kyiv overnight; diplomats in Brussels condemned the attack.",
        "Ukraine's army said it repelled assaults near Pokrovsk as Russia pressed its offensive.",
        "Moscow said its air defences shot down Ukrainian drones; diplomats urged restraint.",
    ],
}


def story_text(status: str, index: int) -> tuple[str, str]:
    leads = LEADS[status]
    lead = leads[index % len(leads)]
    parts = [
        lead,
        DETAILS_A[index % len(DETAILS_A)],
        DETAILS_B[index % len(DETAILS_B)],
        DETAILS_C[index % len(DETAILS_C)],
    ]
    title = lead.split(",")[0].split(":")[0].split(";")[0].rstrip(".")
    return title, " ".join(parts)


class Timeline:
    def __init__(self) -> None:
        self.lines: list[dict[str, str]] = []
        self.count = 0

    def story(
        self, status: str, day: int, hour: float, outlets: list[str], spread: float = 0.5
    ) -> None:
        """One story: the first outlet's article, then its syndicated copies."""
        self.count += 1
        title, text = story_text(status, self.count)
        slug = f"{status}-{day}-{self.count}"
        for n, outlet in enumerate(outlets):
            when = START + timedelta(days=day, hours=hour + n * spread)
            body = text
            if n % 3 == 1:
                body = f"{text} {WIRE_TAIL.get(outlets[0], 'This story was syndicated.')}"
            elif n % 3 == 2:
                body = f"{outlet.split('.')[0].upper()} — {text}"
            self.add(outlet, f"https://{outlet}/world/{slug}", title, body, when, status)

    def add(
        self, outlet: str, url: str, title: str, text: str, when: datetime, status: str | None
    ) -> None:
        line = {
            "url": url,
            "outlet": outlet,
            "title": title,
            "text": text,
            "published": when.isoformat(),
        }
        if status is not None:
            line["status"] = status
        self.lines.append(line)


def build() -> list[dict[str, str]]:
    t = Timeline()
    wires = ["apnews.com", "reuters.com", "bbc.co.uk", "theguardian.com", "dw.com", "france24.com"]

    def outlets(n: int, k: int) -> list[str]:
        first = wires[k % len(wires)]
        return [first] + [SYNDICATORS[(k + i) % len(SYNDICATORS)] for i in range(n - 1)]

    # Days 0–6: stalled, about four stories a day, one to three outlets each.
    for day in range(7):
        for slot, hour in enumerate((2, 8, 14, 20)):
            t.story("stalled", day, hour, outlets(1 + (day + slot) % 3, day * 4 + slot))
        t.story("none", day, 11, outlets(1, day + 2))
        t.add(
            "sportsdesk.example",
            f"https://sportsdesk.example/football/{day}",
            "Shakhtar win away in the cup",
            "A late goal settled the tie; the coach praised the defence.",
            START + timedelta(days=day, hours=17),
            None,
        )
    # Day 7: the meeting is announced; one exact copy on a second URL.
    t.story("stalled", 7, 2, outlets(2, 1))
    t.story("scheduled", 7, 8, outlets(3, 2))
    t.story("scheduled", 7, 14, outlets(2, 3))
    t.story("scheduled", 7, 20, outlets(2, 4))
    first = t.lines[-1]
    t.add(
        "msn.com",
        "https://msn.com/en-us/news/world/copy-1",
        first["title"],
        first["text"],
        START + timedelta(days=7, hours=21),
        first["status"],
    )
    t.story("scheduled", 8, 8, outlets(2, 5))
    t.story("none", 8, 12, outlets(1, 6))
    # Days 9–12: talks under way.
    for day in range(9, 13):
        for slot, hour in enumerate((3, 9, 15)):
            t.story("ongoing", day, hour, outlets(1 + (day + slot) % 3, day * 3 + slot))
        t.story("none", day, 12, outlets(1, day))
    # Day 13, 14:00: the ceasefire breaks everywhere at once — one event, one alert.
    for k in range(5):
        t.story("ceasefire", 13, 14, outlets(2 + k % 2, 40 + k), spread=0)
    t.story("ceasefire", 13, 20, outlets(2, 46))
    t.story("ceasefire", 14, 9, outlets(2, 47))
    t.story("ongoing", 14, 15, outlets(1, 48))
    t.story("ceasefire", 15, 10, outlets(2, 49))
    # Day 16: the collapse arrives story by story.
    t.story("collapsed", 16, 10, ["apnews.com", "abcnews.go.com"], spread=1.0)
    t.story("collapsed", 16, 14, outlets(2, 51))
    t.story("collapsed", 16, 17, outlets(3, 52))
    t.story("collapsed", 16, 21, outlets(2, 53))
    t.story("none", 17, 6, outlets(1, 54))
    return t.lines


if __name__ == "__main__":
    lines = build()
    OUT.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    print(f"wrote {len(lines)} lines to {OUT}")
