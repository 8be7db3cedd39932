"""MiniLM embeddings plus linear heads on the corpus: `python -m tests.eval.embedding`.

Issue 16 item 2(c): how far sentence embeddings from all-MiniLM-L6-v2 carry the two
readings, and at what cost. For each encoder (`crawler.status.learned.embedding`) it
fits two `LogisticRegression(class_weight="balanced")` heads on the train split only,
status and relevance, choosing their C on `dev`, and measures them on `test` the way
`python -m tests.eval.status` measures a reader: an item the relevance head drops is
read as `none`, and macro-F1 is over the statuses present. It also measures the same
heads over hashed word 1-2 and char_wb 2-5 n-gram tf-idf alone and concatenated with
the embedding, to show whether the embedding adds anything to n-grams.

Cost: CPU milliseconds per text (title + lede) encoding the train and test texts in
batches of 64, and the size of the model files. Needs the `train` extra and the
encoders that `python -m crawler.status.learned.distill --quantize` writes.

    python -m tests.eval.embedding                    # every candidate
    python -m tests.eval.embedding --only static --errors
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from crawler.status import corpus
from crawler.status.learned import embedding
from tests.eval.status import Report, Scored

C_GRID = (1.0, 4.0, 16.0)
BATCH = 64

Matrix = np.ndarray | sparse.csr_matrix


@dataclass
class Result:
    name: str
    report: Report
    by_lang: dict[str, Report]
    ms_per_text: float | None
    model_mb: float | None
    c: tuple[float, float]

    def row(self) -> str:
        rp, rr, _ = self.report.relevance()
        langs = "/".join(f"{self.by_lang[lang].macro_f1:.2f}" for lang in corpus.LANGUAGES)
        ms = f"{self.ms_per_text:.2f}" if self.ms_per_text is not None else "-"
        mb = f"{self.model_mb:.1f}" if self.model_mb is not None else "-"
        return (
            f"| {self.name} | {self.report.macro_f1:.3f} | {langs} | {rp:.2f}/{rr:.2f} "
            f"| {ms} | {mb} | C={self.c[0]:g}/{self.c[1]:g} |"
        )


def texts(items: Sequence[corpus.Item]) -> list[str]:
    return [embedding.text_of(i.title, i.text) for i in items]


def encode_timed(kind: str, batches: list[str]) -> tuple[np.ndarray, float]:
    """The vectors and the CPU milliseconds per text, in batches of 64 (load excluded)."""
    encoder = embedding.load(kind)
    encoder.encode(batches[:BATCH])  # first run allocates; not what a worker pays per text
    start = time.process_time()
    parts = [encoder.encode(batches[i : i + BATCH]) for i in range(0, len(batches), BATCH)]
    spent = time.process_time() - start
    return np.concatenate(parts), 1000 * spent / len(batches)


class NGrams:
    """Hashed word 1-2 and char_wb 2-5 counts, tf-idf fitted on train, L2-normalised."""

    def __init__(self) -> None:
        self.words = HashingVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            n_features=2**18,
            alternate_sign=False,
            norm=None,
        )
        self.chars = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            n_features=2**18,
            alternate_sign=False,
            norm=None,
        )
        self.tfidf = TfidfTransformer(sublinear_tf=True)

    def _counts(self, batch: list[str]) -> sparse.csr_matrix:
        return sparse.hstack([self.words.transform(batch), self.chars.transform(batch)]).tocsr()

    def fit_transform(self, batch: list[str]) -> sparse.csr_matrix:
        counts = self._counts(batch)
        # Only the slots train fills can carry weight; dropping the rest makes the fit
        # ten times faster and changes no prediction.
        self.columns = np.unique(counts.indices)
        return self.tfidf.fit_transform(counts[:, self.columns])

    def transform(self, batch: list[str]) -> sparse.csr_matrix:
        return self.tfidf.transform(self._counts(batch)[:, self.columns])


def fit_head(
    x: Matrix, y: list, x_dev: Matrix, y_dev: list, score: Callable, grid: Sequence[float]
) -> tuple:
    """The head whose C scores best on dev (all fitted on train alone)."""
    best: tuple[float, float, LogisticRegression] | None = None
    for c in grid:
        print(f"  fitting C={c:g}", file=sys.stderr, flush=True)
        head = LogisticRegression(class_weight="balanced", C=c, max_iter=3000)
        head.fit(x, y)
        got = score(y_dev, head.predict(x_dev))
        if best is None or got > best[0]:
            best = (got, c, head)
    assert best is not None
    return best[2], best[1]


def _macro(gold: list, got: list) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, got, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, got, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, got, strict=True) if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def measure(
    name: str,
    x: dict[str, Matrix],
    splits: dict[str, list[corpus.Item]],
    grids: tuple[Sequence[float], Sequence[float]] = (C_GRID, C_GRID),
) -> tuple[Report, dict[str, Report], tuple[float, float]]:
    print(f"{name}: fitting heads", file=sys.stderr, flush=True)
    train, dev, test = splits["train"], splits["dev"], splits["test"]
    status, c_status = fit_head(
        x["train"], [i.status for i in train], x["dev"], [i.status for i in dev], _macro, grids[0]
    )
    relevance, c_rel = fit_head(
        x["train"],
        [i.relevant for i in train],
        x["dev"],
        [i.relevant for i in dev],
        _macro,
        grids[1],
    )
    statuses = status.predict(x["test"])
    relevant = relevance.predict(x["test"])
    report = Report(name)
    for item, rel, st in zip(test, relevant, statuses, strict=True):
        report.scored.append(Scored(item, bool(rel), str(st) if rel else "none"))
    by_lang = {
        lang: Report(f"{name} {lang}", [s for s in report.scored if s.item.lang == lang])
        for lang in corpus.LANGUAGES
    }
    return report, by_lang, (c_status, c_rel)


def _model_mb(kind: str) -> float:
    if kind == "static":
        folder, name = embedding.STATIC_DIR, "model.safetensors"
    else:
        name = "model.int8.onnx" if kind == "onnx-int8" else "model.onnx"
        folder = embedding.ONNX_DIR
    files = [folder / name, folder / "tokenizer.json"]
    return sum(f.stat().st_size for f in files) / 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.eval.embedding", description=__doc__)
    parser.add_argument("--only", choices=embedding.KINDS, action="append")
    parser.add_argument("--no-ngrams", action="store_true", help="skip the n-gram rows")
    parser.add_argument("--errors", action="store_true", help="list misread test items")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    splits = {name: corpus.split(name) for name in ("train", "dev", "test")}
    raw = {name: texts(items) for name, items in splits.items()}
    results: list[Result] = []
    ngrams: dict[str, sparse.csr_matrix] = {}
    if not args.no_ngrams:
        grams = NGrams()
        ngrams = {
            "train": normalize(grams.fit_transform(raw["train"])),
            "dev": normalize(grams.transform(raw["dev"])),
            "test": normalize(grams.transform(raw["test"])),
        }
        report, by_lang, ngram_c = measure("n-grams tf-idf (sklearn)", ngrams, splits)
        results.append(Result(report.name, report, by_lang, None, None, ngram_c))
        print(results[-1].row(), flush=True)
    for kind in args.only or embedding.KINDS:
        try:
            embedding.load(kind)
        except embedding.EncoderError as exc:
            print(f"skipped {kind}: {exc}")
            continue
        vectors: dict[str, Matrix] = {}
        spent = 0.0
        for name in ("train", "dev", "test"):
            vectors[name], ms = encode_timed(kind, raw[name])
            spent += ms * len(raw[name])
        ms_per_text = spent / sum(len(v) for v in raw.values())
        report, by_lang, c = measure(f"MiniLM {kind} + LR", vectors, splits)
        results.append(Result(report.name, report, by_lang, ms_per_text, _model_mb(kind), c))
        print(results[-1].row(), flush=True)
        if ngrams:
            # A sparse fit costs minutes on this machine: the concatenation reuses the
            # C that dev chose for the n-grams alone instead of searching again.
            both = {n: sparse.hstack([vectors[n], ngrams[n]]).tocsr() for n in vectors}
            grids = ((ngram_c[0],), (ngram_c[1],))
            report, by_lang, c = measure(f"MiniLM {kind} + n-grams + LR", both, splits, grids)
            results.append(Result(report.name, report, by_lang, ms_per_text, _model_mb(kind), c))
            print(results[-1].row(), flush=True)
    print()
    print(
        f"test split: {len(splits['test'])} items; heads fitted on train "
        f"({len(splits['train'])}), C chosen on dev"
    )
    print(
        "| candidate | test macro-F1 | en/ru/uk macro-F1 | relevance P/R | CPU ms/text "
        "| model MB | C status/relevance |"
    )
    print("|---|---|---|---|---|---|---|")
    for result in results:
        print(result.row())
    if args.errors:
        for result in results:
            print()
            print(result.report.render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
