"""The in-memory index: a bulk rebuild finds exactly what one-by-one inserts find."""

from __future__ import annotations

from crawler.dedup.fingerprint import content_hash, fingerprint
from crawler.dedup.index import MemoryIndex
from crawler.dedup.story import Deduplicator
from crawler.settings import DedupSettings
from tests.eval.dedup import PAIRS, load_pairs

SETTINGS = DedupSettings()


def test_bulk_rebuild_matches_row_by_row_inserts() -> None:
    pairs = load_pairs(PAIRS)
    one, bulk = Deduplicator(), Deduplicator(SETTINGS, MemoryIndex(SETTINGS))
    rows = [
        (i, 100 + i, fingerprint(p["a"]["title"], p["a"]["text"], SETTINGS).signature)
        for i, p in enumerate(pairs, 1)
    ]
    for row in rows:
        one.add(*row)
    bulk.load(rows, batch=37)
    assert len(one) == len(bulk) == len(pairs)
    for p in pairs:
        fp = fingerprint(p["b"]["title"], p["b"]["text"], SETTINGS)
        assert sorted(one.candidates(fp)) == sorted(bulk.candidates(fp))
    bulk.remove([1])
    assert 1 not in bulk.candidates(
        fingerprint(pairs[0]["a"]["title"], pairs[0]["a"]["text"], SETTINGS)
    )


def test_boilerplate_and_typography_do_not_change_the_content_hash() -> None:
    text = "Talks in Istanbul ended after two hours without a ceasefire, officials said."
    page = f"0 Comments\n5 Views\nBy Jane Doe\n{text.replace(',', ' ,')}\nShare on Facebook"
    assert content_hash(page) == content_hash(text)
    assert content_hash(text.replace("ceasefire", "truce")) != content_hash(text)
