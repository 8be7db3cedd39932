"""Precision, recall and F1 of dedup on the labelled pairs, and a threshold sweep.

`python -m tests.eval.dedup [--pairs PATH] [--threshold T]`. A pair is predicted a copy
the way ingest decides: same content hash, or the first text is an LSH candidate for
the second and their exact shingle Jaccard passes the threshold. The same pairs are
then decided as after a restart, the stored text known to the index by its signature
alone (its text read back only when the estimate leaves the decision open), with the
count of copies joined on the estimate. The sweep also shows what deciding on the
MinHash estimate alone would give, which is why the exact check decides.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from crawler.dedup.fingerprint import fingerprint, jaccard, minhash
from crawler.dedup.story import Deduplicator
from crawler.settings import DedupSettings

PAIRS = Path(__file__).parents[1] / "data" / "dedup_pairs.jsonl"
SUMMARY_PAIRS = Path(__file__).parents[1] / "data" / "summary_pairs.jsonl"
SWEEP = (0.3, 0.35, 0.4, 0.42, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: int, predicted: bool) -> None:
        if predicted:
            self.tp, self.fp = self.tp + label, self.fp + (1 - label)
        else:
            self.fn, self.tn = self.fn + label, self.tn + (1 - label)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_pairs(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(
    pairs: list[dict],
    settings: DedupSettings,
    *,
    estimate: bool = False,
    restarted: bool = False,
    reads: Counter[str] | None = None,
) -> tuple[Scores, list[dict]]:
    """Scores at the settings' threshold, and the pairs it gets wrong. `restarted`: the
    first text is indexed by its signature alone, as a rebuilt index holds it; `reads`
    counts the pairs whose first text was read back ("read") and the copies joined
    without it ("unread")."""
    dedup = Deduplicator(settings)
    scores, wrong = Scores(), []
    for pair in pairs:
        a, b = pair["a"], pair["b"]
        fa, fb = (
            fingerprint(a["title"], a["text"], settings),
            fingerprint(b["title"], b["text"], settings),
        )
        if restarted:
            dedup.add(1, 1, fa.signature)
        else:
            dedup.add(1, 1, fa.signature, fa.shingles, title=a["title"])
        if fa.content_hash == fb.content_hash:
            predicted = True
        elif estimate:
            m = minhash(fb.shingles, settings.num_perm)
            predicted = 1 in dedup.candidates(fb) and (
                m.jaccard(minhash(fa.shingles, settings.num_perm))
                >= dedup.required(fa.shingles, fb.shingles)
            )
        else:
            stored = {1: (a["title"], a["text"])}
            signature = {1: fa.signature}

            read = []

            def lookup(ids: list[int], stored: dict = stored, read: list = read) -> dict:
                read.append(1)
                return stored

            predicted = (
                dedup.find_story(
                    fb,
                    lookup,
                    lambda ids, sig=signature: sig,
                    title=b["title"],
                )
                == 1
            )
            if reads is not None:
                reads["read" if read else "unread" if predicted else "dropped"] += 1
        dedup.remove([1])
        scores.add(pair["label"], predicted)
        if predicted != bool(pair["label"]):
            wrong.append(
                {
                    "id": pair["id"],
                    "kind": pair["kind"],
                    "jaccard": round(jaccard(fa.shingles, fb.shingles), 3),
                }
            )
    return scores, wrong


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--threshold", type=float, default=DedupSettings().threshold)
    parser.add_argument("--short-threshold", type=float, default=DedupSettings().short_threshold)
    args = parser.parse_args(argv)
    pairs = load_pairs(args.pairs)
    settings = DedupSettings(threshold=args.threshold, short_threshold=args.short_threshold)
    labels = sum(p["label"] for p in pairs)
    print(f"{len(pairs)} pairs: {labels} copies, {len(pairs) - labels} different stories")
    scores, wrong = evaluate(pairs, settings)
    print(
        f"threshold {settings.threshold}: precision {scores.precision:.3f}  "
        f"recall {scores.recall:.3f}  F1 {scores.f1:.3f}  "
        f"(tp {scores.tp} fp {scores.fp} fn {scores.fn} tn {scores.tn})"
    )
    for miss in wrong:
        print(f"  wrong: {miss}")
    reads: Counter[str] = Counter()
    after, wrong = evaluate(pairs, settings, restarted=True, reads=reads)
    print(
        f"after a restart (the first text's signature alone in memory): precision "
        f"{after.precision:.3f}  recall {after.recall:.3f}; {reads['unread']} of "
        f"{after.tp} copies joined on the estimate, {reads['read']} texts read back"
    )
    for miss in wrong:
        print(f"  wrong: {miss}")
    summaries = load_pairs(SUMMARY_PAIRS)
    joins = sum(p["label"] for p in summaries)
    sc, wrong = evaluate(summaries, settings)
    print(
        f"\nsummary and full text ({len(summaries)} pairs from the real corpus, {joins} joins): "
        f"precision {sc.precision:.3f}  recall {sc.recall:.3f}  F1 {sc.f1:.3f}  "
        f"(tp {sc.tp} fp {sc.fp} fn {sc.fn} tn {sc.tn})"
    )
    for miss in wrong:
        print(f"  wrong: {miss}")
    print("\nsweep     exact check: P      R      F1   | MinHash estimate: P      R      F1")
    for t in SWEEP:
        s = DedupSettings(threshold=t, short_threshold=settings.short_threshold)
        ex, _ = evaluate(pairs, s)
        es, _ = evaluate(pairs, s, estimate=True)
        print(
            f"  {t:<5}  {ex.precision:17.3f}  {ex.recall:.3f}  {ex.f1:.3f} | "
            f"{es.precision:22.3f}  {es.recall:.3f}  {es.f1:.3f}"
        )
    print("\nexact shingle Jaccard by kind (min / median / max):")
    by_kind: dict[str, list[float]] = {}
    for p in pairs:
        fa = fingerprint(p["a"]["title"], p["a"]["text"], settings)
        fb = fingerprint(p["b"]["title"], p["b"]["text"], settings)
        by_kind.setdefault(p["kind"], []).append(jaccard(fa.shingles, fb.shingles))
    for kind, values in sorted(by_kind.items()):
        values.sort()
        print(
            f"  {kind:<45} n={len(values):<3} {values[0]:.2f} / "
            f"{values[len(values) // 2]:.2f} / {values[-1]:.2f}"
        )


if __name__ == "__main__":
    main()
