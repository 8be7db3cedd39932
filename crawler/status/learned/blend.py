"""How the n-grams' and the fine-tuned encoder's readings are combined:
`python -m crawler.status.learned.blend`.

Where the n-grams are unsure the encoder is asked, and the two readings become one. A
fixed share of each (0.6 the encoder's, then sharpened by a temperature) trusts each
reader as much for every status and language; but the encoder reads a `ceasefire` more
surely than a `collapsed`, the n-grams Ukrainian worse than Russian, and the rules'
cues say when either is likely wrong. So a small multinomial logistic regression takes
both readers' log-probabilities, the rules' reading (its status's confidence, in that
status's column) and the article's language, and gives the status probabilities.

It is fitted on the dev split read by readers fitted on train alone, so it learns how
far each reader can be trusted on text neither has seen, and written as `blend.json`
beside the encoder it was fitted with. Chosen on dev (5-fold, the encoder fitted on
train): the fixed share read 0.721, the regression over both readers alone 0.725,
with the rules' reading 0.730, with the language 0.729, with both 0.735 (C 0.1; 0.03
and 0.3 read 0.729 and 0.734; fitted on the unsure items alone, where it is used,
0.732); per-language copies of the encoder's columns 0.732. An encoder folder without
the file blends at the fixed share.

The readers that ship learn from every item, 11,510, and readers fitted on train alone
(4,308) are less sure and more often wrong than they are: a blend fitted on their
readings trusts the shipped readers too little. So what ships is fitted on dev read by
readers cross-fitted on its halves (`corpus.HALVES`, which share no week or outlet):
fitted on train and one half, they read the other. Dev out of fold, 0.749 with these
readers against 0.740 with the train-only ones (0.741 with only the encoders
cross-fitted: the n-grams gain from the added items, the encoder little). Beside the
shipped readers, the written set read 0.881 against 0.867 with the blend fitted for the
train-only readers, its Russian and Ukrainian 0.876 against 0.878 (README).

    python -m crawler.status.learned.train --out /tmp/ngrams.npz          # train only
    python -m crawler.status.learned.finetune --split train --out /tmp/enc
    python -m crawler.status.learned.blend --model /tmp/ngrams.npz --tuned /tmp/enc

    for k in 0 1; do                                                      # what ships
      python -m crawler.status.learned.train --on train+dev$k --out /tmp/ng$k.npz
      python -m crawler.status.learned.finetune --split train+dev$k --out /tmp/enc$k
    done
    python -m crawler.status.learned.blend --model /tmp/ng0.npz /tmp/ng1.npz \\
        --tuned /tmp/enc0 /tmp/enc1 --out crawler/status/learned/models/status-tuned/blend.json
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crawler.status.learned.model import LearnedReader
from crawler.status.learned.tuned import BLEND_FILE, Blend, TunedReader

if TYPE_CHECKING:
    from crawler.status.corpus import Item

C = 0.1
BALANCE = 0.25
"""Classes weighted by their rarity to this power. Unweighted, the blend read dev's
statuses as well (0.735) but more of them as `none`: `none` precision 0.904, against
0.916 for the fixed share; 0.25 reads 0.735 at 0.915, 0.5 and 1 read 0.730 and 0.721
(0.923, 0.932)."""


def fit(model: Path, tuned: Path, items: Sequence[Item]) -> Blend:
    """Fit on `items` (the dev split) as read by the n-gram `model` and the encoder in
    `tuned`, both fitted without them."""
    classes, x, y = _rows(model, tuned, items)
    return _fit(classes, x, y)


def fit_crossed(models: Sequence[Path], tuned: Sequence[Path]) -> Blend:
    """Fit on dev read by readers cross-fitted on its halves: the first of each fitted
    on `train+dev0` reads `dev1`, the second on `train+dev1` reads `dev0`."""
    from crawler.status import corpus

    parts = [
        _rows(model, encoder, corpus.split(read))
        for model, encoder, read in zip(models, tuned, reversed(corpus.HALVES), strict=True)
    ]
    classes = parts[0][0]
    return _fit(
        classes, np.vstack([x for _, x, _ in parts]), np.concatenate([y for *_, y in parts])
    )


def _rows(
    model: Path, tuned: Path, items: Sequence[Item]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    reader = LearnedReader(model, tuned=None)
    encoder = TunedReader(tuned)
    classes = list(reader.status.classes)
    order = [encoder.classes.index(c) for c in classes]
    rows, labels = [], []
    for item in items:
        ngrams, ruled = reader.parts(item.title, item.text)
        read = encoder.probabilities(item.title, item.text)[order]
        rows.append(Blend.features(classes, ngrams, read, ruled, item.lang))
        labels.append(classes.index(item.status))
    return classes, np.array(rows), np.array(labels)


def _fit(classes: Sequence[str], x: np.ndarray, y: np.ndarray) -> Blend:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    counts = np.bincount(y, minlength=len(classes))
    weights = {k: float((counts.max() / counts[k]) ** BALANCE) for k in np.flatnonzero(counts)}
    regression = LogisticRegression(C=C, max_iter=1000, class_weight=weights)
    regression.fit((x - scaler.mean_) / scale, y)
    # Every class must be a row, in `classes` order, however few items a split has.
    coef = np.zeros((len(classes), x.shape[1]))
    intercept = np.full(len(classes), -30.0)
    folded = regression.coef_ / scale
    coef[regression.classes_] = folded
    intercept[regression.classes_] = regression.intercept_ - folded @ scaler.mean_
    return Blend(tuple(classes), coef, intercept)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.status.learned.blend")
    parser.add_argument(
        "--model", type=Path, nargs="+", required=True, help="n-grams fitted on train"
    )
    parser.add_argument(
        "--tuned", type=Path, nargs="+", required=True, help="an encoder fitted on train"
    )
    parser.add_argument("--out", type=Path, help=f"default: the last TUNED/{BLEND_FILE}")
    args = parser.parse_args(argv)
    from crawler.status import corpus

    if len(args.model) != len(args.tuned) or len(args.model) not in (1, 2):
        parser.error("give one --model and one --tuned, or two of each (cross-fitted)")
    items = corpus.split("dev")
    if len(args.model) == 2:
        blend, split = fit_crossed(args.model, args.tuned), "dev, cross-fitted"
    else:
        blend, split = fit(args.model[0], args.tuned[0], items), "dev"
    out = args.out or args.tuned[-1] / BLEND_FILE
    blend.save(out, {"split": split, "items": len(items), "c": C, "balance": BALANCE})
    print(f"wrote {out} ({len(items)} dev items, {split})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
