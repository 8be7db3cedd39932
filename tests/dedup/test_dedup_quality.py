"""The labelled pairs: dedup's default threshold keeps its promised precision and recall."""

from __future__ import annotations

from crawler.settings import DedupSettings
from tests.eval.dedup import PAIRS, evaluate, load_pairs


def test_labelled_set_is_big_and_varied() -> None:
    pairs = load_pairs(PAIRS)
    kinds = {p["kind"] for p in pairs}
    assert len(pairs) >= 200
    assert sum(p["label"] for p in pairs) >= 100 and sum(1 - p["label"] for p in pairs) >= 100
    wanted = {"different:same-meeting", "different:live-blog-w5s3", "copy:short-outlet-suffix"}
    assert wanted <= kinds


def test_default_threshold_meets_precision_and_recall() -> None:
    scores, wrong = evaluate(load_pairs(PAIRS), DedupSettings())
    assert scores.precision >= 0.98, wrong
    assert scores.recall >= 0.95, wrong


def test_lower_short_threshold_would_merge_templated_summaries() -> None:
    """The short-text rule is what keeps look-alike summaries apart at low thresholds."""
    pairs = [p for p in load_pairs(PAIRS) if p["kind"].startswith("different:short")]
    strict, _ = evaluate(pairs, DedupSettings(threshold=0.3))
    loose, _ = evaluate(pairs, DedupSettings(threshold=0.3, short_threshold=0.01))
    assert strict.fp == 0 and loose.fp > 0
