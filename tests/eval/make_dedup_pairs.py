"""Build tests/data/dedup_pairs.jsonl, the labelled pairs that choose dedup's threshold.

Run `python -m tests.eval.make_dedup_pairs` to regenerate (deterministic). Each line is
`{id, kind, label, a: {title, text}, b: {title, text}}`; label 1 means "the same story,
one copy of the other", 0 "different stories". Texts are from `dedup_texts` and the
two seeds; copies are made the way republishers make them.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from tests.eval.dedup_texts import (
    ADDED_PARAGRAPHS,
    BOILERPLATES,
    DATELINES,
    EVENTS,
    LIVE_BLOGS,
    TEMPLATED_SUMMARIES,
    write_pairs,
)

OUT = Path(__file__).parents[1] / "data" / "dedup_pairs.jsonl"
SEEDS = Path(__file__).parents[1] / "data" / "seeds"

Doc = dict[str, str]


def render(
    title: str,
    paragraphs: list[str],
    furniture: int | None = None,
    dateline: str = "",
    headline_in_body: bool = False,
    sep: str = "\n\n",
) -> Doc:
    top, bottom = BOILERPLATES[furniture] if furniture is not None else ([], [])
    body = list(paragraphs)
    if body and dateline:
        body[0] = dateline + body[0]
    lines = ([title] if headline_in_body else []) + top + body + bottom
    return {"title": title, "text": sep.join(lines)}


def typeset(doc: Doc) -> Doc:
    """Curly quotes, non-breaking and doubled spaces, single line breaks: same words."""
    text, out, open_quote = doc["text"], [], True
    for ch in text:
        if ch == '"':
            out.append("“" if open_quote else "”")
            open_quote = not open_quote
        elif ch == "'":
            out.append("’")
        else:
            out.append(ch)
    text = "".join(out).replace(", ", ",  ").replace(". ", ".\u00a0 ").replace("\n\n", "\n")
    return {"title": doc["title"].replace("'", "’"), "text": text + "  \n"}


def seed_bases() -> list[tuple[str, str, list[str]]]:
    folder = SEEDS
    bases = []
    for path in sorted(folder.glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        title = lines[1] if path.name.startswith("nishadil") else lines[0]
        paragraphs = [ln for ln in lines if len(ln.split()) > 12 and "Disclaimer" not in ln]
        alt = "Why the diplomacy has stalled: " + title.split(":")[0]
        bases.append((title, alt, paragraphs))
    return bases


def variants(rng: random.Random, title: str, alt: str, paras: list[str]) -> list[tuple[str, Doc]]:
    """Five republished copies of one article, each with the changes named in its kind."""
    n = len(paras)
    out: list[tuple[str, Doc]] = []
    out.append(
        ("boilerplate+headline", render(alt, paras, rng.randrange(6), rng.choice(DATELINES)))
    )
    drop = rng.randrange(1, n)
    out.append(
        (
            "paragraph-removed+byline+dateline",
            render(title, paras[:drop] + paras[drop + 1 :], 1, rng.choice(DATELINES[:4])),
        )
    )
    added = list(paras)
    added.insert(rng.randrange(1, n + 1), rng.choice(ADDED_PARAGRAPHS))
    i = rng.randrange(1, n - 1)
    added[i], added[i + 1] = added[i + 1], added[i]
    out.append(("paragraph-added+reordered", render(title, added, rng.randrange(6))))
    out.append(
        (
            "quotes+whitespace+trimmed-end",
            typeset(render(title, paras[:-1], 2, headline_in_body=True)),
        )
    )
    cut = rng.randrange(1, n)
    mixed = [p for j, p in enumerate(paras) if j != cut]
    mixed.insert(rng.randrange(1, len(mixed)), rng.choice(ADDED_PARAGRAPHS))
    mixed[1:3] = mixed[2:0:-1] if len(mixed) > 3 else mixed[1:3]
    out.append(("headline+removed+added+reordered", render(alt, mixed, 3, "KYIV (Reuters) - ")))
    return out


def live_versions(window: int, step: int) -> list[tuple[str, Doc, Doc]]:
    pairs = []
    for title, recap, entries in LIVE_BLOGS:
        pages = []
        for start in range(0, len(entries) - window + 1, step):
            shown = list(reversed(entries[start : start + window]))
            pages.append(render(title, [recap, *shown], 5))
        pairs += [(f"live-blog-w{window}s{step}", a, b) for a, b in itertools.pairwise(pages)]
    return pairs


def build() -> list[tuple[str, int, str, str]]:
    rng = random.Random(20250516)
    pairs: list[tuple[str, int, Doc, Doc]] = []
    bases = [r for e in EVENTS for r in e["reports"]] + seed_bases()
    originals = []
    for title, alt, paras in bases:
        original = render(title, paras, rng.randrange(6), rng.choice(DATELINES))
        originals.append(original)
        copies = variants(rng, title, alt, paras)
        pairs += [(f"copy:{kind}", 1, original, doc) for kind, doc in copies]
        pairs.append(("copy:copy-of-copy", 1, copies[1][1], copies[3][1]))

    for e_index, event in enumerate(EVENTS):
        a, b, c = (render(t, p, rng.randrange(6)) for t, _, p in event["reports"])
        pairs += [
            ("different:same-meeting", 0, a, b),
            ("different:follow-up", 0, a, c),
            ("different:follow-up", 0, b, c),
        ]
        t, _, p = event["reports"][0]
        a_copy = render(t + " - live updates", p[:-1], 4, "MOSCOW (Reuters) - ")
        pairs.append(("different:same-meeting-copy-vs-rival", 0, a_copy, b))
        nxt = EVENTS[(e_index + 1) % len(EVENTS)]
        other = nxt["reports"][0]
        pairs.append(
            ("different:same-furniture", 0, render(t, p, 0), render(other[0], other[2], 0))
        )
        pairs.append(("different:next-event-follow-up", 0, c, render(other[0], other[2], 2)))
        (t1, s1), (t2, s2) = event["summaries"]
        one, two = render(t1, [s1]), render(t2, [s2])
        pairs.append(("different:short-same-event", 0, one, two))
        nt, ns = nxt["summaries"][0]
        pairs.append(("different:short-next-event", 0, one, render(nt, [ns])))
        for title, summary in event["summaries"]:
            doc = render(title, [summary])
            pairs.append(
                (
                    "copy:short-outlet-suffix",
                    1,
                    doc,
                    render(f"{title} | Daily Courier", [summary], 5),
                )
            )
            pairs.append(
                (
                    "copy:short-retyped-dateline",
                    1,
                    doc,
                    typeset(render(title, [summary], None, "KYIV (Reuters) - ")),
                )
            )
        # Rivals that both carry the same background box; a follow-up by the same
        # outlet that reuses the closing paragraphs of its first story.
        box = ADDED_PARAGRAPHS[e_index % 3]
        (ta, _, pa), (tb, _, pb), (tc, _, pc) = event["reports"]
        pairs.append(
            (
                "different:rivals-same-background",
                0,
                render(ta, [*pa, box], 1),
                render(tb, [*pb, box], 3),
            )
        )
        pairs.append(
            (
                "different:follow-up-reusing-paragraphs",
                0,
                render(ta, pa, 2),
                render(tc, pc + pa[-2:], 2),
            )
        )
    for (t1, s1), (t2, s2) in TEMPLATED_SUMMARIES:
        pairs.append(("different:short-templated", 0, render(t1, [s1]), render(t2, [s2])))
        pairs.append(
            ("different:short-templated-furniture", 0, render(t1, [s1], 5), render(t2, [s2], 5))
        )
    ap, nishadil = originals[-2], originals[-1]
    pairs.append(("different:seeds", 0, ap, nishadil))
    pairs += [(f"different:{k}", 0, a, b) for k, a, b in live_versions(5, 3)]
    pairs += [(f"different:{k}", 0, a, b) for k, a, b in live_versions(6, 4)]
    pairs += [(f"different:{k}", 0, a, b) for k, a, b in live_versions(4, 3)]
    return pairs


def main() -> None:
    write_pairs(build(), OUT, "copies")


if __name__ == "__main__":
    main()
