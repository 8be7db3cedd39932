"""`python -m crawler.status.corpus`: the corpus's counts, as its README shows them.

`--write` replaces the README's `## Counts` section with them, so the figures there are
always the loader's, never typed by hand.
"""

from __future__ import annotations

import sys
from collections import Counter

from crawler.model import STATUSES
from crawler.status.corpus import HERE, LANGUAGES, SPLITS, items, split


def _table(name: str, rows: list[tuple[str, int]]) -> list[str]:
    return [f"| {name} | items |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]


def counts() -> str:
    """The markdown of the README's `## Counts` section."""
    found = items()
    status = Counter(i.status for i in found)
    lang = Counter(i.lang for i in found)
    year = Counter(i.year for i in found)
    outlets = Counter(i.outlet for i in found)
    lines = ["## Counts"]
    lines += _table("status", [(s, status[s]) for s in STATUSES])
    lines += ["", *_table("language", [(code, lang[code]) for code in LANGUAGES])]
    lines += ["", *_table("year", [(str(y), year[y]) for y in sorted(year)])]
    lines += ["", *_table("split", [(s, len(split(s))) for s in SPLITS])]
    largest = ", ".join(f"{o} {n}" for o, n in outlets.most_common(15))
    relevant = sum(i.relevant for i in found)
    hard = sum(i.relevant and i.status == "none" for i in found)
    ambiguous = sum(bool(i.also) for i in found)
    lines += [
        "",
        f"{len(found):,} items; {len(outlets)} outlets; the largest: {largest}.",
        "",
        f"relevant: {relevant}; relevant with no talks status (war, aid, sanctions, markets "
        f"news: the hard negatives): {hard}; with `also`: {ambiguous}.",
        "",
    ]
    return "\n".join(lines)


def write() -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index("## Counts")
    end = text.index("## ", start + 3)
    readme.write_text(text[:start] + counts() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write()
    else:
        print(counts())
