"""Exact and near-duplicate detection: syndicated copies collapse into one story.

An exact copy has the same content hash (the body with boilerplate stripped and
case, punctuation and whitespace normalised). A near copy is found in two steps: an
LSH index over stored MinHash signatures proposes candidates, and the exact Jaccard
similarity of word shingles, recomputed from the candidates' stored text, decides.
The signature is only a finder: at 128 permutations its Jaccard estimate has a
standard error near 0.045 at J = 0.5, which is what separates a trimmed wire copy
from a rival report of the same meeting (see `python -m tests.eval.dedup`).

The index holds no texts and no signatures, only LSH buckets (compact sorted arrays,
`crawler.dedup.bands`) and each article's story, so 100,000 articles rebuild from the
database in seconds, and the buckets can live in Redis (`[dedup] redis_url`) for
several workers to share.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
from datasketch import MinHash, MinHashLSH

from crawler.dedup.bands import BandIndex, signature_keys
from crawler.dedup.fingerprint import (
    SCHEME,
    SEED,
    fingerprint,
    from_signature,
    overlaps,
    shingle_hashes,
    signature_rows,
    signature_values,
)
from crawler.model import Fingerprint
from crawler.settings import DedupSettings

# (title, body) of stored articles by id: how the exact check reads candidates.
Lookup = Callable[[Sequence[int]], Mapping[int, tuple[str, str]]]
# Stored MinHash signatures by id: how candidates far below the threshold are dropped.
SignatureLookup = Callable[[Sequence[int]], Mapping[int, bytes | None]]

# How many standard errors of the signature's Jaccard estimate below the threshold a
# candidate may sit and still be checked exactly (4: one true copy in ~30,000 lost).
ESTIMATE_MARGIN_SE = 4.0

RECENT_SHINGLES = 4096
"""Articles whose shingles stay in memory: new copies mostly follow recent stories
(about 1.6 KB each for a 400-word article)."""


# The LSH is a finder for the exact check, so it is tuned for recall: a pair at the
# threshold must become a candidate this often (datasketch's balanced optimum gives
# 0.37 at J = 0.45 with 128 permutations, which lost copies in the labelled set).
CANDIDATE_RECALL = 0.95


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the longest bands that still find a pair at the threshold."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands < CANDIDATE_RECALL:
            break
        best = (bands, rows)
    return best


class Deduplicator:
    """The LSH index of stored signatures, keyed by article id, and each article's story."""

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.settings = settings or DedupSettings()
        bands, rows = self._params = lsh_params(self.settings.threshold, self.settings.num_perm)
        # In memory, buckets are sorted arrays (crawler.dedup.bands); shared, datasketch's Redis.
        self._index: BandIndex | None = None
        self._lsh: MinHashLSH | None = None
        if self._shared:
            self._lsh = MinHashLSH(
                num_perm=self.settings.num_perm, params=(bands, rows), **_storage(self.settings)
            )
        else:
            self._index = BandIndex(bands, rows)
        self._stories: dict[int, int] = {}
        self._recent: OrderedDict[int, np.ndarray] = OrderedDict()

    def local(self) -> Deduplicator:
        """An empty in-memory index with these settings, for one batch's own articles."""
        return Deduplicator(self.settings.model_copy(update={"redis_url": None}))

    def fingerprint(self, title: str, text: str) -> Fingerprint:
        """`crawler.dedup.fingerprint.fingerprint` under these settings."""
        return fingerprint(title, text, self.settings)

    def _values(self, signature: bytes) -> np.ndarray:
        return signature_values(signature, self.settings.num_perm)

    def _from_signature(self, signature: bytes) -> MinHash:
        return from_signature(signature, self.settings.num_perm)

    def required(self, a: np.ndarray, b: np.ndarray) -> float:
        """The Jaccard a pair must reach: more for short texts, where one clause weighs a lot."""
        s = self.settings
        if min(len(a), len(b)) < s.short_shingles:
            return max(s.threshold, s.short_threshold)
        return s.threshold

    def band_keys(self, signature: bytes) -> np.ndarray:
        """The in-memory index's band keys of a signature: cut once, an article is looked
        up and added in the batch's own index and in this one (`local()` shares them)."""
        return signature_keys(self._values(signature), *self._params)

    def candidates(self, fp: Fingerprint, keys: np.ndarray | None = None) -> list[int]:
        """Ids the LSH proposes; `keys`, if given, are `band_keys(fp.signature)`."""
        if self._index is not None:
            if keys is None:
                keys = self.band_keys(fp.signature)
            return sorted(self._index.query_keys(keys))
        assert self._lsh is not None
        return [int(i) for i in self._lsh.query(self._from_signature(fp.signature))]

    def plausible(self, fp: Fingerprint, ids: list[int], signatures: SignatureLookup) -> list[int]:
        """The candidates whose stored signature puts them within reach of the threshold.

        LSH tuned for recall also proposes articles that only share background
        paragraphs (J near 0.15 is proposed one time in eight); comparing 128 stored
        values is far cheaper than reading and re-shingling their text.
        """
        if not ids:
            return ids
        t, n = self.settings.threshold, self.settings.num_perm
        cutoff = t - ESTIMATE_MARGIN_SE * (t * (1 - t) / n) ** 0.5
        mine = self._values(fp.signature)
        stored = signatures(ids)
        size = len(fp.signature)
        sized = [i for i in ids if len(stored.get(i) or b"") == size]
        if not sized:
            return ids  # nothing to estimate from: check exactly
        theirs = signature_rows([stored[i] or b"" for i in sized], n)
        agree = np.count_nonzero(theirs == mine, axis=1).tolist()
        far = {i for i, k in zip(sized, agree, strict=True) if not k >= cutoff * n}
        return [i for i in ids if i not in far] if far else ids

    def find_story(
        self,
        fp: Fingerprint,
        lookup: Lookup,
        signatures: SignatureLookup | None = None,
        keys: np.ndarray | None = None,
    ) -> int | None:
        """The story of the most similar stored copy, or None when nothing passes.

        Candidates added lately are checked from their shingles kept in memory. Of the
        others, those whose stored signature is far off are dropped, and of each story
        left only the first and the latest copy is read: a wire story on thirty sites
        gives thirty candidates of one story, and the exact check must not grow with
        a story's size.
        """
        if not len(fp.shingles):
            return None
        stories, recent = self._stories, self._recent
        candidates = [i for i in self.candidates(fp, keys) if i in stories]
        if not candidates:
            return None
        rest = [i for i in candidates if i not in recent]
        if rest and signatures is not None:
            drop = set(rest) - set(self.plausible(fp, rest, signatures))
            candidates = [i for i in candidates if i not in drop]
        # In id order, a story's first and latest copy are its first and last candidate.
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for article_id in sorted(candidates):
            story = stories[article_id]
            first.setdefault(story, article_id)
            last[story] = article_id
        ids = sorted({*first.values(), *last.values()})
        known = {i: recent[i] for i in ids if i in recent}
        missing = [i for i in ids if i not in known]
        if missing:
            for article_id, (title, body) in lookup(missing).items():
                known[article_id] = shingle_hashes(title, body, self.settings.shingle)
        if not known:
            return None
        mine = fp.shingles
        best, best_j = None, -1.0
        inters = overlaps(mine, list(known.values()))
        for (article_id, theirs), inter in zip(known.items(), inters, strict=True):
            j = inter / (len(mine) + len(theirs) - inter)
            if j >= self.required(mine, theirs) and j > best_j:
                best, best_j = article_id, j
        return stories[best] if best is not None else None

    def add(
        self,
        article_id: int,
        story_id: int,
        signature: bytes,
        shingles: np.ndarray | None = None,
        keys: np.ndarray | None = None,
    ) -> None:
        """Index an article; given its shingles, keep them while it is among the latest.

        `keys`, if given, are `band_keys(signature)`."""
        if shingles is not None and len(shingles):
            self._recent[article_id] = shingles
            if len(self._recent) > RECENT_SHINGLES:
                self._recent.popitem(last=False)
        if article_id in self._stories:
            return
        if self._index is not None:
            if keys is None:
                keys = self.band_keys(signature)
            self._index.insert_keys(article_id, keys)
        else:
            assert self._lsh is not None
            if article_id not in self._lsh:
                self._lsh.insert(
                    article_id, self._from_signature(signature), check_duplication=False
                )
        self._stories[article_id] = story_id

    def remove(self, article_ids: Iterable[int]) -> None:
        gone = [i for i in article_ids if self._stories.pop(i, None) is not None]
        for article_id in gone:
            self._recent.pop(article_id, None)
        if self._index is not None:
            self._index.remove(gone)
            return
        assert self._lsh is not None
        for article_id in gone:
            if article_id in self._lsh:
                self._lsh.remove(article_id)

    def load(self, rows: Iterable[tuple[int, int, bytes]], batch: int = 20_000) -> None:
        """Index stored signatures in bulk: the rebuild at start.

        Band keys are cut from a whole batch of signatures at once, in the byte form
        datasketch's `MinHashLSH.insert` gives them, and written to its storage with
        buffering (one Redis pipeline per batch); per-row `insert` ran at ~3,000/s.
        """
        present = self._present() if self._shared else set()
        pending: list[tuple[int, bytes]] = []
        for article_id, story_id, signature in rows:
            if article_id in self._stories:
                continue
            self._stories[article_id] = story_id
            if article_id not in present:
                pending.append((article_id, signature))
            if len(pending) >= batch:
                self._insert_many(pending)
                pending = []
        if pending:
            self._insert_many(pending)

    def _insert_many(self, rows: list[tuple[int, bytes]]) -> None:
        sigs = signature_rows([s for _, s in rows], self.settings.num_perm)
        if self._index is not None:
            self._index.insert_many(np.array([i for i, _ in rows]), sigs)
            return
        lsh = self._lsh
        assert lsh is not None
        swapped = sigs.astype(np.uint32).byteswap()  # what datasketch's _byteswap does per band
        bands = [
            np.ascontiguousarray(swapped[:, a:b]).view(np.dtype((np.void, 4 * (b - a)))).ravel()
            for a, b in lsh.hashranges
        ]
        keys = [pickle.dumps(i) if lsh.prepickle else i for i, _ in rows]
        columns = [band.tolist() for band in bands]
        for row, key in enumerate(keys):
            hs = [column[row] for column in columns]
            lsh.keys.insert(key, *hs, buffer=True)
            for h, table in zip(hs, lsh.hashtables, strict=True):
                table.insert(h, key, buffer=True)
        lsh.keys.empty_buffer()
        for table in lsh.hashtables:
            table.empty_buffer()

    @property
    def _shared(self) -> bool:
        return self.settings.redis_url is not None

    def _present(self) -> set[int]:
        """Ids already in a shared index (another worker put them there)."""
        assert self._lsh is not None
        return {int(pickle.loads(k)) for k in self._lsh.keys}

    def __len__(self) -> int:
        return len(self._stories)


def _storage(settings: DedupSettings) -> dict:
    """datasketch's storage options: in memory, or Redis buckets shared by workers."""
    if settings.redis_url is None:
        return {}
    from redis.connection import parse_url

    params = parse_url(settings.redis_url)
    # Everything that changes a bucket key is in the name, so no two layouts mix.
    layout = f"v1:{SCHEME}:{SEED}:{settings.shingle}:{settings.num_perm}:{settings.threshold}"
    basename = f"{settings.redis_prefix}:dedup:{layout}".encode()
    return {
        "storage_config": {"type": "redis", "basename": basename, "redis": params},
    }
