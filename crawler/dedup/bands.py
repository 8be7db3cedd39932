"""LSH buckets held as sorted arrays: the in-memory near-duplicate index.

datasketch's in-memory `MinHashLSH` keeps a Python set per bucket and a bytes key
per band per article: at the 42 bands the dedup threshold needs that measured about
1.4 GB and a 13 s rebuild per 100,000 articles (`tests/bench/bench_dedup.py`). Here
each (band, bucket) becomes one 64-bit key beside a 32-bit article id, 12 bytes a band,
in a few sorted segments (a small log-structured merge: new entries gather in a
buffer, which is sorted into a segment, and segments of similar size are merged), so
memory grows linearly at ~500 bytes an article and a query is two vectorised binary
searches per segment. datasketch still computes the MinHash signatures, and its Redis
storage is used when the index is shared between workers.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_BAND_SALT = np.uint64(0x9E3779B97F4A7C15)
_ROW_MULT = np.uint64(0xBF58476D1CE4E5B9)
_FINAL_MULT = np.uint64(0x94D049BB133111EB)

BUCKET_CAP = 64
"""The most ids one bucket proposes per segment: the latest. A copy shares about three
of 42 buckets with its original, so a crowded bucket rarely is the only way to it."""


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band for each signature row: shape (n, bands)."""
    n = signatures.shape[0]
    cut = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    with np.errstate(over="ignore"):
        keys = (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _BAND_SALT
        keys = np.broadcast_to(keys, (n, bands)).copy()
        for r in range(rows):
            keys = (keys ^ cut[:, :, r]) * _ROW_MULT
            keys ^= keys >> np.uint64(31)
        keys = (keys ^ (keys >> np.uint64(29))) * _FINAL_MULT
    return keys


def signature_keys(signature: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """`band_keys` of one signature, shape (bands,): what an insert or a query cuts.

    The same arithmetic on 1-d arrays, in place: it runs for every stored article.
    """
    cut = signature[: bands * rows].astype(np.uint64).reshape(bands, rows)
    with np.errstate(over="ignore"):
        keys = _salts(bands).copy()
        shifted = np.empty_like(keys)
        for r in range(rows):
            keys ^= cut[:, r]
            keys *= _ROW_MULT
            np.right_shift(keys, np.uint64(31), out=shifted)
            keys ^= shifted
        np.right_shift(keys, np.uint64(29), out=shifted)
        keys ^= shifted
        keys *= _FINAL_MULT
    return keys


_SALTS: dict[int, np.ndarray] = {}


def _salts(bands: int) -> np.ndarray:
    salts = _SALTS.get(bands)
    if salts is None:
        with np.errstate(over="ignore"):
            salts = (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _BAND_SALT
        _SALTS[bands] = salts
    return salts


class BandIndex:
    """Article ids by band key; ids that share any band key are candidates."""

    def __init__(self, bands: int, rows: int, buffer_articles: int = 4096) -> None:
        self.bands, self.rows = bands, rows
        self._limit = buffer_articles
        self._buffer: dict[int, list[int]] = {}
        self._buffered: list[tuple[int, np.ndarray]] = []
        self._segments: list[tuple[np.ndarray, np.ndarray]] = []
        self._removed: set[int] = set()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def keys(self, signature: np.ndarray) -> np.ndarray:
        return signature_keys(signature, self.bands, self.rows)

    def insert(self, article_id: int, signature: np.ndarray) -> None:
        self.insert_keys(article_id, self.keys(signature))

    def insert_keys(self, article_id: int, keys: np.ndarray) -> None:
        """Index an article by its band keys (`keys`), cut once by a caller that also queries."""
        buffer = self._buffer
        for key in keys.tolist():
            owners = buffer.get(key)
            if owners is None:
                buffer[key] = [article_id]
            else:
                owners.append(article_id)
        self._buffered.append((article_id, keys))
        self._removed.discard(article_id)
        self._count += 1
        if len(self._buffered) >= self._limit:
            self._flush()

    def insert_many(self, ids: np.ndarray, signatures: np.ndarray) -> None:
        """Index a batch at once: one sorted segment, no per-article work."""
        if not len(ids):
            return
        keys = band_keys(signatures, self.bands, self.rows).ravel()
        owners = np.repeat(np.asarray(ids, dtype=np.uint32), self.bands)
        self._add_segment(keys, owners)
        self._removed.difference_update(int(i) for i in ids)
        self._count += len(ids)

    def query(self, signature: np.ndarray) -> set[int]:
        return self.query_keys(self.keys(signature))

    def query_keys(self, keys: np.ndarray) -> set[int]:
        """Ids sharing any of these band keys (`keys` of a signature), at most the latest
        `BUCKET_CAP` of each bucket, newest first: the buffer, then the segments from
        the latest.

        On same-topic text a bucket can hold thousands of articles (a shared background
        paragraph, page furniture): reading them all made a lookup grow with the archive.
        Within a bucket ids are in insertion order, so its tail is the latest articles,
        the ones a new copy follows. The cap is the bucket's across segments (it was
        each segment's, so a narrow topic's lookups still grew with their number: SQLite
        ingest 2.41x of empty at 100k stored in the growth benchmark's `--pool 150`)."""
        cap = BUCKET_CAP
        key_list = keys.tolist()
        left = np.full(len(key_list), cap, dtype=np.int64)
        found: set[int] = set()
        for k, owners in enumerate(map(self._buffer.get, key_list)):
            if owners:
                taken = owners[-cap:]
                found.update(taken)
                left[k] -= len(taken)
        for seg_keys, seg_ids in reversed(self._segments):
            lo = np.searchsorted(seg_keys, keys, side="left")
            hi = np.searchsorted(seg_keys, keys, side="right")
            take = np.minimum(hi - lo, left)
            hit = take > 0
            if hit.any():
                for b, n in zip(hi[hit].tolist(), take[hit].tolist(), strict=True):
                    found.update(seg_ids[b - n : b].tolist())
                left -= take
                if not left.any():
                    break
        return found - self._removed if self._removed else found

    def remove(self, article_ids: Iterable[int]) -> None:
        """Forget articles (a rolled-back batch); their entries are dropped at the next merge."""
        for article_id in article_ids:
            self._removed.add(article_id)
            self._count -= 1

    def _flush(self) -> None:
        if not self._buffered:
            return
        ids = np.repeat(np.array([i for i, _ in self._buffered], dtype=np.uint32), self.bands)
        keys = np.concatenate([k for _, k in self._buffered])
        self._buffer.clear()
        self._buffered.clear()
        self._add_segment(keys, ids)

    def _add_segment(self, keys: np.ndarray, ids: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self._segments.append((keys[order], ids[order]))
        while len(self._segments) > 1 and 2 * len(self._segments[-1][0]) >= len(
            self._segments[-2][0]
        ):
            (k1, i1), (k2, i2) = self._segments.pop(), self._segments.pop()
            keys, ids = np.concatenate([k2, k1]), np.concatenate([i2, i1])
            if self._removed:
                keep = ~np.isin(ids, np.fromiter(self._removed, dtype=np.uint32))
                keys, ids = keys[keep], ids[keep]
            order = np.argsort(keys, kind="stable")
            self._segments.append((keys[order], ids[order]))
