"""Build tests/data/summary_pairs.jsonl: feed summaries against full texts, labelled.

Run `python -m tests.eval.make_summary_pairs` to regenerate (deterministic). Headlines
and ledes are real (`crawler/status/corpus/*.jsonl`). A full text is a real item's
headline and lede followed by the ledes of other real items of the same weeks (the
rest of a report) and an outlet's page furniture; its feed summary is the headline and
lede as feeds carry them: verbatim, under an outlet suffix, with a dateline, or cut
short with an ellipsis. Label 1: the summary of that full text. Label 0: the summary
of the real item whose headline is closest (another report), of an item of the same
day, or a full text that reuses the summary's lede as a later paragraph under its own
headline (a follow-up). Pairs come in both orders (`a` is stored first).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from crawler.dedup.fingerprint import words
from tests.eval.dedup_texts import BOILERPLATES, write_pairs

CORPUS = Path(__file__).parents[2] / "crawler" / "status" / "corpus"
OUT = Path(__file__).parents[1] / "data" / "summary_pairs.jsonl"
SUFFIXES = [" | Reuters", " - The Guardian", " – Kyiv Independent", " | DW", " - ТАСС"]


def load() -> list[dict]:
    items = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item.get("title") and len(item.get("text", "").split()) >= 12:
                    items.append(item)
    return items


def full_text(
    rng: random.Random, item: dict, pool: list[dict], avoid: set[str], extra: str = ""
) -> dict:
    """`item`'s headline and lede, then other ledes of `pool` (none whose text or
    headline is in `avoid`: those are the pair's other side), then page furniture."""
    others = [p for p in pool if p["text"] not in avoid and p["title"] not in avoid]
    rest = [p["text"] for p in rng.sample(others, rng.randint(4, 8)) if p is not item]
    if extra:
        rest.insert(rng.randint(1, len(rest)), extra)
    top, bottom = BOILERPLATES[rng.randrange(len(BOILERPLATES))]
    return {"title": item["title"], "text": "\n\n".join([*top, item["text"], *rest, *bottom])}


def summary(rng: random.Random, item: dict, style: int) -> tuple[str, dict]:
    title, lede = item["title"], item["text"]
    if style == 1:
        return "outlet-suffix", {"title": title + rng.choice(SUFFIXES), "text": lede}
    if style == 2:
        return "dateline", {"title": title, "text": "KYIV (Reuters) - " + lede}
    if style == 3:
        cut = lede.split()
        return "cut-short", {"title": title, "text": " ".join(cut[: max(12, len(cut) * 2 // 3)])}
    return "verbatim", {"title": title, "text": lede}


def closest_title(item: dict, items: list[dict]) -> dict:
    """The real item of another headline and lede whose headline is closest: a rival."""
    mine = set(words(item["title"]))
    return max(
        (i for i in items if i["title"] != item["title"] and i["text"] != item["text"]),
        key=lambda i: len(mine & set(words(i["title"]))) / len(mine | set(words(i["title"]))),
    )


def build() -> list[tuple[str, int, str, str]]:
    rng = random.Random(20261204)
    items = load()
    by_date: dict[str, list[dict]] = {}
    for item in items:
        by_date.setdefault(item.get("date", "")[:7], []).append(item)
    chosen = rng.sample(items, 160)
    pairs: list[tuple[str, int, dict, dict]] = []
    for n, item in enumerate(chosen):
        month = by_date[item.get("date", "")[:7]]
        pool = month if len(month) > 12 else items
        rival = closest_title(item, items)
        # Another real item of the same month, neither this story nor its rival.
        mine = {item["text"], item["title"], rival["text"], rival["title"]}
        day = [i for i in month if i["text"] not in mine and i["title"] not in mine]
        full = full_text(rng, item, pool, mine)
        kind, short = summary(rng, item, n % 4)
        pairs.append((f"same:{kind}", 1, full, short))
        pairs.append((f"same:{kind}", 1, short, full))
        other = summary(rng, rival, n % 4)[1]
        pairs.append(("different:closest-headline", 0, full, other))
        pairs.append(("different:closest-headline", 0, other, full))
        if day:
            same_day = summary(rng, rng.choice(day), 0)[1]
            pairs.append(("different:same-month", 0, same_day, full))
        follow = full_text(rng, rng.choice(day or items), pool, mine, extra=item["text"])
        pairs.append(("different:follow-up-reusing-lede", 0, short, follow))
    return pairs


def main() -> None:
    write_pairs(build(), OUT, "joins")


if __name__ == "__main__":
    main()
