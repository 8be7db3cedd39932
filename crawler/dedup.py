"""Exact and near-duplicate detection: syndicated copies collapse into one story.

An exact copy has the same content hash (normalised text); a near copy has a MinHash
signature whose LSH candidates pass an exact Jaccard check at the threshold.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from crawler.settings import DedupSettings

SCHEME = "affine32"
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(text))


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    content_hash: str
    signature: bytes


class Deduplicator:
    """Holds the LSH index of stored signatures, keyed by article id."""

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.settings = settings or DedupSettings()
        self._lsh = MinHashLSH(threshold=self.settings.threshold, num_perm=self.settings.num_perm)
        self._stories: dict[int, int] = {}
        self._signatures: dict[int, MinHash] = {}

    def _shingles(self, title: str, text: str) -> set[bytes]:
        words = _WORD.findall(unicodedata.normalize("NFKC", f"{title}\n{text}").casefold())
        k = self.settings.shingle
        if len(words) < k:
            return {" ".join(words).encode()} if words else set()
        return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}

    def fingerprint(self, title: str, text: str) -> Fingerprint:
        m = MinHash(num_perm=self.settings.num_perm, scheme=SCHEME)
        m.update_batch(list(self._shingles(title, text)))
        return Fingerprint(content_hash(text or title), m.hashvalues.astype(np.uint64).tobytes())

    def _minhash(self, signature: bytes) -> MinHash:
        return MinHash(
            num_perm=self.settings.num_perm,
            hashvalues=np.frombuffer(signature, dtype=np.uint64),
            scheme=SCHEME,
        )

    def find_story(self, fp: Fingerprint) -> int | None:
        m = self._minhash(fp.signature)
        best, best_j = None, 0.0
        for article_id in self._lsh.query(m):
            j = m.jaccard(self._signatures[article_id])
            if j >= self.settings.threshold and j > best_j:
                best, best_j = article_id, j
        return self._stories[best] if best is not None else None

    def add(self, article_id: int, story_id: int, signature: bytes) -> None:
        if article_id in self._signatures:
            return
        m = self._minhash(signature)
        self._lsh.insert(article_id, m)
        self._signatures[article_id] = m
        self._stories[article_id] = story_id

    def remove(self, article_ids: Iterable[int]) -> None:
        for article_id in article_ids:
            if self._signatures.pop(article_id, None) is not None:
                self._lsh.remove(article_id)
                self._stories.pop(article_id, None)

    def load(self, rows: Iterable[tuple[int, int, bytes]]) -> None:
        for article_id, story_id, signature in rows:
            self.add(article_id, story_id, signature)

    def __len__(self) -> int:
        return len(self._signatures)
