"""The labelled corpus: real headlines and ledes, each read for relevance and status.

Every item was written by journalists, never by us: a headline and the feed
description or lede that came with it, the date and outlet, where it was found
(`provenance`: a repository, path and commit, or a URL and the day it was read), and
two readings by a person following `GUIDELINE.md` beside this file: `relevant` (is it
about the Russia–Ukraine war or its peace process) and `status` (the taxonomy), with
`also` naming other statuses a careful reader could defend.

The test split is cut by time *and* by outlet (`split.toml`): an item is `test` when
both its week and its outlet are held out, `train` when neither is, and `dev`
otherwise. So nothing trained on shares a week or an outlet with what it is
measured on; `dev` is for choosing and calibrating models, never for the figures.
(Weeks rather than months: a month like March 2022 holds a tenth of the corpus,
so holding months out made the test split a lottery of which events it got.)
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from crawler.model import STATUSES

HERE = Path(__file__).parent
LANGUAGES = ("en", "ru", "uk")
SPLITS = ("train", "dev", "test")
HALVES = ("dev0", "dev1")
CROSS_FITS = (*(f"train+{half}" for half in HALVES), "train+dev")
"""What readers cross-fitted for the blend learn from: train and one half of dev, each
then reading the other half; train and all of dev for the reader measured beside them."""


def title_key(title: str) -> str:
    """A title's words, case and Unicode forms folded: one story's headline as two
    feeds print it has one key (titles are unique by it; replays look items up by it)."""
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", title).casefold()))


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    text: str
    lang: str
    date: str
    outlet: str
    relevant: bool
    status: str
    also: tuple[str, ...] = ()
    provenance: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def week(self) -> str:
        """The ISO week, e.g. `2022-W09`: the unit of time the split holds out."""
        year, week, _ = date.fromisoformat(self.date).isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class SplitRule:
    """Which weeks and outlets are held out: a stable hash of each, against a share."""

    week_share: int
    week_of: int
    outlet_share: int
    outlet_of: int
    salt: str

    def _held(self, value: str, share: int, of: int) -> bool:
        return zlib.crc32(f"{self.salt}:{value}".encode()) % of < share

    def half(self, item: Item) -> int:
        """Which half of dev (`dev0`, `dev1`) a dev item is in: by its held-out week, or
        by its outlet when its outlet is the held-out one, so that no week or outlet
        is in both halves and a reader fitted on one half reads the other as unseen."""
        week = self._held(item.week, self.week_share, self.week_of)
        key = item.week if week else item.outlet
        return zlib.crc32(f"half:{key}".encode()) % 2

    def split(self, item: Item) -> str:
        week = self._held(item.week, self.week_share, self.week_of)
        outlet = self._held(item.outlet, self.outlet_share, self.outlet_of)
        if week and outlet:
            return "test"
        return "train" if not (week or outlet) else "dev"


@cache
def split_rule(folder: Path = HERE) -> SplitRule:
    """The folder's `split.toml`, or the shipped corpus's when it has none."""
    path = folder / "split.toml"
    spec = tomllib.loads((path if path.exists() else HERE / "split.toml").read_text("utf-8"))
    return SplitRule(
        week_share=spec["weeks"]["held_out"],
        week_of=spec["weeks"]["of"],
        outlet_share=spec["outlets"]["held_out"],
        outlet_of=spec["outlets"]["of"],
        salt=spec["salt"],
    )


def _read(path: Path) -> Iterator[Item]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            yield Item(
                id=row["id"],
                title=row["title"],
                text=row.get("text") or "",
                lang=row["lang"],
                date=row["date"],
                outlet=row["outlet"],
                relevant=bool(row["relevant"]),
                status=row["status"],
                also=tuple(row.get("also") or ()),
                provenance=row.get("provenance") or {},
            )


@cache
def items(folder: Path = HERE) -> tuple[Item, ...]:
    """Every item, in file order (English, Russian, Ukrainian). `folder` is the shipped
    corpus or another in its layout (`peacewatch train --corpus`)."""
    found: list[Item] = []
    for lang in LANGUAGES:
        path = folder / f"{lang}.jsonl"
        if path.exists():
            found.extend(_read(path))
    unknown = {i.status for i in found} - set(STATUSES)
    if unknown:
        raise ValueError(f"corpus has statuses outside the taxonomy: {sorted(unknown)}")
    return tuple(found)


def split(name: str, folder: Path = HERE) -> list[Item]:
    """The items of one split (`train`, `dev`, `test`), or all of them for `all`; `dev0`
    and `dev1` are dev's halves (`SplitRule.half`), and names joined by `+` the union of
    their splits (`train+dev0`: what a reader cross-fitted for the blend learns from)."""
    if "+" in name:
        return [i for part in name.split("+") for i in split(part, folder)]
    rule = split_rule(folder)
    if name in HALVES:
        half = HALVES.index(name)
        return [i for i in items(folder) if rule.split(i) == "dev" and rule.half(i) == half]
    return [i for i in items(folder) if name == "all" or rule.split(i) == name]
