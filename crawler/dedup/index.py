"""The near-duplicate index: which stored articles a signature's LSH bands point at.

The index is only a finder for the exact check (`crawler.dedup.story`): it holds no
texts and no signatures, only LSH buckets keyed by article id. Two backends share the
`Index` interface: `MemoryIndex` (compact sorted arrays, `crawler.dedup.bands`), and
`crawler.dedup.redis_index.RedisIndex` (datasketch's buckets in Redis, shared by
several workers). Both cut bands by `lsh_params`, so they propose the same candidates.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from crawler.dedup.bands import BandIndex, signature_keys
from crawler.dedup.fingerprint import signature_rows, signature_values
from crawler.settings import DedupSettings

# The LSH is a finder for the exact check, so it is tuned for recall: a pair at the
# threshold must become a candidate this often (datasketch's balanced optimum gives
# 0.37 at J = 0.45 with 128 permutations, which lost copies in the labelled set).
CANDIDATE_RECALL = 0.95


@functools.cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the longest bands that still find a pair at the threshold."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands < CANDIDATE_RECALL:
            break
        best = (bands, rows)
    return best


def cut_keys(signature: bytes, settings: DedupSettings) -> np.ndarray:
    """A signature's band keys as every `MemoryIndex` with these settings cuts them.

    Cut once, they serve each in-memory index an article is looked up and added in (a
    batch's own and the stored one), as `keys` of `Index.query` and `Index.insert`.
    """
    values = signature_values(signature, settings.num_perm)
    return signature_keys(values, *lsh_params(settings.threshold, settings.num_perm))


class IndexUnavailable(RuntimeError):
    """The shared index could not be reached (Redis down, restarting, timing out).

    Its message is one line fit for a person: the caller decides what to do instead
    (ingest falls back to an in-memory index rebuilt from the database).
    """


class Index(Protocol):
    """Article ids by MinHash signature (bytes, as stored)."""

    def insert(self, article_id: int, signature: bytes, keys: np.ndarray | None = None) -> None:
        """Index an article; `keys`, if given, are `cut_keys(signature)` (a shared index
        cuts its own and ignores them)."""

    def insert_many(self, rows: Sequence[tuple[int, bytes]]) -> None:
        """Index (article id, signature) rows in bulk: the rebuild at start."""

    def query(self, signature: bytes, keys: np.ndarray | None = None) -> list[int]:
        """Ids sharing a band with the signature: the candidates for the exact check."""

    def remove(self, article_ids: Iterable[int]) -> None:
        """Forget articles that were indexed (a rolled-back batch)."""

    def present(self) -> set[int]:
        """Ids a rebuild need not insert: what any worker put into a shared index. A
        private index answers none (which ids it holds, its one caller knows)."""


class MemoryIndex:
    """This process's own index, in memory: ~500 bytes an article."""

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self._bands = BandIndex(*lsh_params(settings.threshold, settings.num_perm))

    def insert(self, article_id: int, signature: bytes, keys: np.ndarray | None = None) -> None:
        if keys is None:
            keys = cut_keys(signature, self.settings)
        self._bands.insert_keys(article_id, keys)

    def insert_many(self, rows: Sequence[tuple[int, bytes]]) -> None:
        signatures = signature_rows([s for _, s in rows], self.settings.num_perm)
        self._bands.insert_many(np.array([i for i, _ in rows]), signatures)

    def query(self, signature: bytes, keys: np.ndarray | None = None) -> list[int]:
        if keys is None:
            keys = cut_keys(signature, self.settings)
        return sorted(self._bands.query_keys(keys))

    def remove(self, article_ids: Iterable[int]) -> None:
        self._bands.remove(article_ids)

    def present(self) -> set[int]:
        return set()
