"""How well the rules classifier reads the labelled set: `python -m tests.eval.status`.

Prints, per split, precision, recall and F1 per status, macro-F1 and the confusion
matrix. The set (`tests/data/status_labelled.jsonl`) marks each text `tune` (used to
shape the lexicon) or `heldout` (written before tuning and never tuned on), so the
held-out figures say how the rules do on text they were not fitted to.

    python -m tests.eval.status                   # tune, heldout and all
    python -m tests.eval.status --split heldout
    python -m tests.eval.status --split tune --errors
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from crawler.model import STATUSES, Classification
from crawler.status.rules import classify

DATA = Path(__file__).resolve().parent.parent / "data" / "status_labelled.jsonl"
SPLITS = ("tune", "heldout", "all")


def load_rows(path: Path = DATA) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class Report:
    split: str
    pairs: list[tuple[str, str]]  # (gold, predicted)
    errors: list[tuple[dict[str, object], Classification]]

    def counts(self, status: str) -> tuple[int, int, int]:
        tp = sum(1 for g, p in self.pairs if g == status and p == status)
        fp = sum(1 for g, p in self.pairs if g != status and p == status)
        fn = sum(1 for g, p in self.pairs if g == status and p != status)
        return tp, fp, fn

    def scores(self, status: str) -> tuple[float, float, float]:
        tp, fp, fn = self.counts(status)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def statuses(self) -> list[str]:
        present = {g for g, _ in self.pairs}
        return [s for s in STATUSES if s in present]

    @property
    def macro_f1(self) -> float:
        statuses = self.statuses
        return sum(self.scores(s)[2] for s in statuses) / len(statuses) if statuses else 0.0

    @property
    def accuracy(self) -> float:
        return sum(1 for g, p in self.pairs if g == p) / len(self.pairs) if self.pairs else 0.0

    def render(self) -> str:
        lines = [f"== split: {self.split} ({len(self.pairs)} texts) =="]
        lines.append(f"{'status':<11}{'prec':>7}{'recall':>8}{'F1':>7}{'n':>5}")
        for status in self.statuses:
            p, r, f = self.scores(status)
            n = sum(1 for g, _ in self.pairs if g == status)
            lines.append(f"{status:<11}{p:>7.3f}{r:>8.3f}{f:>7.3f}{n:>5}")
        lines.append(f"macro-F1 {self.macro_f1:.3f}   accuracy {self.accuracy:.3f}")
        lines.append("confusion (rows = gold, columns = predicted):")
        short = [s[:5] for s in STATUSES]
        lines.append(" " * 11 + "".join(f"{s:>6}" for s in short))
        for gold in self.statuses:
            row = [sum(1 for g, p in self.pairs if g == gold and p == s) for s in STATUSES]
            lines.append(f"{gold:<11}" + "".join(f"{c:>6}" for c in row))
        return "\n".join(lines)


def evaluate(
    rows: Sequence[dict[str, object]],
    split: str = "all",
    classifier: Callable[[str, str], Classification] = classify,
) -> Report:
    chosen = [r for r in rows if split == "all" or r["split"] == split]
    pairs: list[tuple[str, str]] = []
    errors: list[tuple[dict[str, object], Classification]] = []
    for row in chosen:
        verdict = classifier(str(row["title"]), str(row["text"]))
        pairs.append((str(row["status"]), verdict.status))
        if verdict.status != row["status"]:
            errors.append((row, verdict))
    return Report(split, pairs, errors)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.eval.status", description=__doc__)
    parser.add_argument("--split", choices=SPLITS, help="one split (default: each in turn)")
    parser.add_argument("--errors", action="store_true", help="list the misread texts")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    rows = load_rows(args.data)
    for split in [args.split] if args.split else list(SPLITS):
        report = evaluate(rows, split)
        print(report.render())
        if args.errors:
            for row, verdict in report.errors:
                print(f"  {row['id']} gold={row['status']} got={verdict.status}: {row['title']}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
