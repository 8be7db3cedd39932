"""The compact in-memory LSH index: same candidates however it was filled."""

from __future__ import annotations

import numpy as np

from crawler.dedup.bands import BandIndex, band_keys, signature_keys


def _signatures(n: int, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**32, size=(n, 128), dtype=np.uint32)


def test_a_copy_sharing_one_band_is_a_candidate_and_strangers_are_not():
    sigs = _signatures(500)
    index = BandIndex(42, 3, buffer_articles=64)
    for i, sig in enumerate(sigs):
        index.insert(i, sig)
    near = sigs[7].copy()
    near[3:] ^= 0xFFFF  # only the first band (rows 0-2) still matches
    assert index.query(near) == {7}
    assert index.query(_signatures(1, seed=99)[0]) == set()
    assert len(index) == 500


def test_bulk_load_and_single_inserts_agree():
    sigs = _signatures(3000)
    one, bulk = BandIndex(42, 3, buffer_articles=100), BandIndex(42, 3)
    for i, sig in enumerate(sigs):
        one.insert(i, sig)
    bulk.insert_many(np.arange(3000), sigs)
    for i in range(0, 3000, 97):
        assert one.query(sigs[i]) == bulk.query(sigs[i]) == {i}


def test_removed_articles_are_never_candidates_again_even_after_merges():
    sigs = _signatures(400)
    index = BandIndex(42, 3, buffer_articles=16)
    for i in range(200):
        index.insert(i, sigs[i])
    index.remove([5, 6])
    for i in range(200, 400):
        index.insert(i, sigs[i])
    assert index.query(sigs[5]) == set() and index.query(sigs[6]) == set()
    assert index.query(sigs[7]) == {7}
    assert len(index) == 398


def test_one_signature_keys_are_its_row_of_the_batch_keys():
    sigs = _signatures(50)
    for bands, rows in [(42, 3), (128, 1), (21, 6)]:
        batch = band_keys(sigs, bands, rows)
        for sig, keys in zip(sigs, batch, strict=True):
            assert signature_keys(sig, bands, rows).tolist() == keys.tolist()


def test_a_crowded_bucket_proposes_its_latest_articles_however_they_are_segmented():
    """A shared paragraph puts hundreds of articles in one bucket: a lookup proposes the
    latest `BUCKET_CAP` of them, whether they sit in the buffer or in several segments,
    and so does not grow with the archive."""
    from crawler.dedup.bands import BUCKET_CAP

    shared = _signatures(1)[0]
    crowd = _signatures(600, seed=11)
    crowd[:, :3] = shared[:3]  # every article shares the first band with `shared`
    index = BandIndex(42, 3, buffer_articles=50)
    index.insert_many(np.arange(200), crowd[:200])
    for i in range(200, 600):
        index.insert(i, crowd[i])
    assert len(index._segments) > 1
    assert index.query(shared) == set(range(600 - BUCKET_CAP, 600))
