"""How far two people agree on the corpus: `python -m tests.eval.agreement`.

A second labeller read a random 300 corpus items on their own, without the first
pass's labels (`tests/data/corpus_second_pass.jsonl`); this prints Cohen's kappa and
raw agreement for status and relevance, and lists the items they read differently
(the guideline's last section settles those kinds).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from crawler.status import corpus

SECOND = Path(__file__).resolve().parent.parent / "data" / "corpus_second_pass.jsonl"


def kappa(pairs: Sequence[tuple[object, object]]) -> tuple[float, float]:
    """(Cohen's kappa, raw agreement) of two readings of the same items."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first.keys() | second.keys()) / n / n
    return ((observed - expected) / (1 - expected) if expected < 1 else 1.0), observed


def main() -> int:
    by_id = {item.id: item for item in corpus.items()}
    rows = [json.loads(line) for line in SECOND.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if r["id"] in by_id]
    status = [(by_id[r["id"]].status, r["status"]) for r in rows]
    relevant = [(by_id[r["id"]].relevant, r["relevant"]) for r in rows]
    print(f"items read twice: {len(rows)}")
    print("status:    Cohen's kappa {:.3f}, raw agreement {:.3f}".format(*kappa(status)))
    print("relevance: Cohen's kappa {:.3f}, raw agreement {:.3f}".format(*kappa(relevant)))
    defensible = sum(
        a == b or b in by_id[r["id"]].also or a in r.get("also", [])
        for (a, b), r in zip(status, rows, strict=True)
    )
    print(f"status agreement counting either reading's `also`: {defensible / len(rows):.3f}")
    for (a, b), r in zip(status, rows, strict=True):
        if a != b or by_id[r["id"]].relevant != r["relevant"]:
            print(f"  {r['id']}: {a} / {b}: {by_id[r['id']].title[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
