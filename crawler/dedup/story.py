"""Which story a text joins: the exact check over what the index proposes.

A near copy is found in two steps: an LSH index over stored MinHash signatures
(`crawler.dedup.index`) proposes candidates, and the exact Jaccard similarity of word
shingles (`crawler.dedup.fingerprint`), recomputed from the candidates' stored text,
decides. The signature is mostly a finder: at 128 permutations its Jaccard estimate has
a standard error near 0.045 at J = 0.5, which is what separates a trimmed wire copy
from a rival report of the same meeting (see `python -m tests.eval.dedup`). Only where
the estimate clears the threshold the exact check would apply by four standard errors
(a wire copy or a lightly edited one: J from about 0.65 between long texts) is the
stored text not read back; a batch's texts to read are read in one query.

Beside the index, `Deduplicator` keeps each indexed article's story and the shingles
of the latest articles, so 100,000 articles rebuild from the database in seconds.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from crawler.dedup.contained import CONTAINMENT, TitleIndex, contained
from crawler.dedup.fingerprint import (
    overlaps,
    shingle_hashes,
    signature_rows,
    signature_values,
)
from crawler.dedup.index import Index, MemoryIndex, cut_keys
from crawler.model import Fingerprint
from crawler.settings import DedupSettings

# (title, body) of stored articles by id: how the exact check reads candidates.
Lookup = Callable[[Sequence[int]], Mapping[int, tuple[str, str]]]
# Stored MinHash signatures by id: how candidates far below the threshold are dropped.
SignatureLookup = Callable[[Sequence[int]], Mapping[int, bytes | None]]

# How many standard errors of the signature's Jaccard estimate below the threshold a
# candidate may sit and still be checked exactly (4: one true copy in ~30,000 lost).
ESTIMATE_MARGIN_SE = 4.0

NO_TIME = np.iinfo(np.int32).min
"""An indexed article's published minute when it is not known: never out of the window."""

RECENT_SHINGLES = 4096
"""Articles whose shingles stay in memory: new copies mostly follow recent stories
(about 1.6 KB each for a 400-word article)."""


@dataclass(frozen=True)
class CopyCheck:
    """What the exact check of one text against its stored candidates needs."""

    known: dict[int, np.ndarray]
    """Candidates' shingles kept in memory, by id."""
    sure: dict[int, float]
    """Candidates whose signature's estimate settles it, with the estimate."""
    to_read: list[int]
    """Candidates whose text is read back and shingled."""


def open_index(settings: DedupSettings) -> Index:
    """The index the settings ask for: in Redis given `redis_url`, else in memory (so
    datasketch, which loads SciPy and aiohttp, is imported only for Redis)."""
    if settings.redis_url is None:
        return MemoryIndex(settings)
    from crawler.dedup.redis_index import RedisIndex

    return RedisIndex(settings)


class Deduplicator:
    """Each indexed article's story, and the decision which story a new text joins."""

    def __init__(self, settings: DedupSettings | None = None, index: Index | None = None) -> None:
        self.settings = settings or DedupSettings()
        self.index = index if index is not None else open_index(self.settings)
        self._stories: dict[int, int] = {}
        self._recent: OrderedDict[int, np.ndarray] = OrderedDict()
        # Published minute (since the epoch) by article id: 4 bytes an id, no dict entry.
        self._minutes = np.full(1024, NO_TIME, dtype=np.int32)
        self._titles = TitleIndex()  # headlines of the articles in `_recent`
        # Signatures of the latest indexed articles, loaded ones included: after a
        # restart the candidates of a new text are mostly these, and the pre-filter
        # then needs no query.
        self._signatures: OrderedDict[int, bytes] = OrderedDict()

    def local(self) -> Deduplicator:
        """An empty in-memory index with these settings, for one batch's own articles."""
        return Deduplicator(self.settings, MemoryIndex(self.settings))

    def required(self, a: np.ndarray, b: np.ndarray) -> float:
        """The Jaccard a pair must reach: more for short texts, where one clause weighs a lot."""
        s = self.settings
        if min(len(a), len(b)) < s.short_shingles:
            return max(s.threshold, s.short_threshold)
        return s.threshold

    def band_keys(self, signature: bytes) -> np.ndarray:
        """The in-memory index's band keys of a signature: cut once, an article is looked
        up and added in the batch's own index and in this one (`local()` shares them)."""
        return cut_keys(signature, self.settings)

    def candidates(self, fp: Fingerprint, keys: np.ndarray | None = None) -> list[int]:
        """Ids the index proposes; `keys`, if given, are `band_keys(fp.signature)`."""
        return self.index.query(fp.signature, keys)

    def estimates(
        self, fp: Fingerprint, ids: list[int], signatures: SignatureLookup
    ) -> dict[int, float]:
        """The Jaccard each candidate's stored signature estimates (those with one).

        LSH tuned for recall also proposes articles that only share background
        paragraphs (J near 0.15 is proposed one time in eight); comparing 128 stored
        values is far cheaper than reading and re-shingling their text.
        """
        n = self.settings.num_perm
        mine = signature_values(fp.signature, n)
        kept = self._signatures
        stored: dict[int, bytes | None] = {i: kept[i] for i in ids if i in kept}
        missing = [i for i in ids if i not in stored]
        if missing:
            stored.update(signatures(missing))
        size = len(fp.signature)
        sized = [i for i in ids if len(stored.get(i) or b"") == size]
        if not sized:
            return {}
        theirs = signature_rows([stored[i] or b"" for i in sized], n)
        agree = np.count_nonzero(theirs == mine, axis=1).tolist()
        return {i: k / n for i, k in zip(sized, agree, strict=True)}

    def _margin(self, j: float) -> float:
        """`ESTIMATE_MARGIN_SE` standard errors of an estimate near `j`."""
        return ESTIMATE_MARGIN_SE * (j * (1 - j) / self.settings.num_perm) ** 0.5

    def find_story(
        self,
        fp: Fingerprint,
        lookup: Lookup,
        signatures: SignatureLookup | None = None,
        keys: np.ndarray | None = None,
        published: datetime | None = None,
        title: str | None = None,
        check: CopyCheck | None = None,
    ) -> int | None:
        """The story of the most similar stored copy, or None when nothing passes.

        Given its `title`, a feed summary also joins the story of a recent longer text
        that contains it under a close headline, and a longer text the story of such
        a summary (`crawler.dedup.contained`).

        Candidates published further than `story_window` from `published` are dropped
        first, so what is checked stays bounded as the archive grows. Candidates added
        lately are checked from their shingles kept in memory. Of the others, those
        whose stored signature is far off are dropped, and of each story left only the
        first and the latest copy is read: a wire story on thirty sites gives thirty
        candidates of one story, and the exact check must not grow with a story's size.
        `check`, if given, is `copy_check` of the same text, worked out already.
        """
        if not len(fp.shingles):
            return None
        if check is None:
            check = self.copy_check(fp, signatures, keys, published)
        story = self._copy_story(fp, lookup, check)
        if story is None and title:
            story = self._summary_story(fp, title, published)
        return story

    def copy_check(
        self,
        fp: Fingerprint,
        signatures: SignatureLookup | None = None,
        keys: np.ndarray | None = None,
        published: datetime | None = None,
    ) -> CopyCheck:
        """Which near copies the index proposes for `fp`, split by what deciding needs:
        shingles in memory, an estimate that settles it, or the text read back.

        Worked out before a batch's decisions (the index does not change during them),
        the batch's texts to read are read in one query (`Ingestor`)."""
        stories, recent = self._stories, self._recent
        # The window first: it is one vectorised step, and on a crowded topic most of
        # what the buckets propose is older than it.
        candidates = [
            i for i in self.within_window(self.candidates(fp, keys), published) if i in stories
        ]
        if not candidates:
            return CopyCheck({}, {}, [])
        rest = [i for i in candidates if i not in recent]
        estimated: dict[int, float] = {}
        if rest and signatures is not None:
            estimated = self.estimates(fp, rest, signatures)
            t = self.settings.threshold
            cutoff = t - self._margin(t)
            candidates = [i for i in candidates if estimated.get(i, 1.0) >= cutoff]
        # In id order, a story's first and latest copy are its first and last candidate.
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for article_id in sorted(candidates):
            story = stories[article_id]
            first.setdefault(story, article_id)
            last[story] = article_id
        ids = sorted({*first.values(), *last.values()})
        known = {i: recent[i] for i in ids if i in recent}
        sure = self._surely_copies(fp, [i for i in ids if i not in known], estimated)
        return CopyCheck(known, sure, [i for i in ids if i not in known and i not in sure])

    def _copy_story(self, fp: Fingerprint, lookup: Lookup, check: CopyCheck) -> int | None:
        """The story of the most similar near copy that the check found or reads."""
        known = dict(check.known)
        if check.to_read:
            for article_id, (title, body) in lookup(check.to_read).items():
                known[article_id] = shingle_hashes(title, body, self.settings.shingle)
        mine = fp.shingles
        best, best_j = None, -1.0
        for article_id, j in check.sure.items():
            if j > best_j:
                best, best_j = article_id, j
        inters = overlaps(mine, list(known.values())) if known else []
        for (article_id, theirs), inter in zip(known.items(), inters, strict=True):
            j = inter / (len(mine) + len(theirs) - inter)
            if j >= self.required(mine, theirs) and j > best_j:
                best, best_j = article_id, j
        return self._stories[best] if best is not None else None

    def _surely_copies(
        self, fp: Fingerprint, ids: list[int], estimated: dict[int, float]
    ) -> dict[int, float]:
        """Of candidates not in memory, those whose estimate clears the threshold the
        exact check would apply (`required`) by `ESTIMATE_MARGIN_SE` standard errors:
        the exact check could not turn them away, so their text is not read back and
        re-shingled. Syndicated copies and most edited ones are these. A text with
        Jaccard J to this one has at least J times its shingles, so when that bound is
        long enough both texts are long and the plain threshold applies; otherwise
        the one for short texts does."""
        s = self.settings
        size = len(fp.shingles)
        sure = {}
        for i in ids:
            j = estimated.get(i)
            if j is None:
                continue
            low = j - self._margin(j)
            long = low * size >= s.short_shingles
            if low >= (s.threshold if long else max(s.threshold, s.short_threshold)):
                sure[i] = j
        return sure

    def _summary_story(self, fp: Fingerprint, title: str, published: datetime | None) -> int | None:
        """The story of a recent text under a close headline that contains this summary,
        or that this longer text contains: the most contained wins."""
        mine = fp.shingles
        similar = self._titles.similar(title, len(mine))
        ids = [i for i in similar if i in self._stories and i in self._recent]
        best, best_c = None, -1.0
        for article_id in self.within_window(ids, published):
            theirs = self._recent[article_id]
            c = contained(mine, theirs) if len(mine) < len(theirs) else contained(theirs, mine)
            if c >= CONTAINMENT and c > best_c:
                best, best_c = article_id, c
        return self._stories[best] if best is not None else None

    def within_window(self, ids: list[int], published: datetime | None) -> list[int]:
        """The ids published within `story_window` of `published` (all, if it is None);
        an id whose time is not known stays."""
        if published is None or not ids:
            return ids
        at = np.asarray(ids, dtype=np.int64)
        minutes = np.full(len(ids), NO_TIME, dtype=np.int64)
        inside = at < len(self._minutes)
        minutes[inside] = self._minutes[at[inside]]
        window = self.settings.story_window.total_seconds() / 60
        keep = (minutes == NO_TIME) | (np.abs(minutes - _minute(published)) <= window)
        return ids if keep.all() else at[keep].tolist()

    def _set_time(self, article_id: int, published: datetime | None) -> None:
        if published is None or article_id < 0:
            return
        if article_id >= len(self._minutes):
            grown = np.full(max(2 * len(self._minutes), article_id + 1), NO_TIME, dtype=np.int32)
            grown[: len(self._minutes)] = self._minutes
            self._minutes = grown
        self._minutes[article_id] = _minute(published)

    def add(
        self,
        article_id: int,
        story_id: int,
        signature: bytes,
        shingles: np.ndarray | None = None,
        keys: np.ndarray | None = None,
        published: datetime | None = None,
        title: str | None = None,
    ) -> None:
        """Index an article; given its shingles, keep them (and its `title`, for the
        summary check) while it is among the latest.

        `keys`, if given, are `band_keys(signature)`."""
        self._set_time(article_id, published)
        self._keep_signature(article_id, signature)
        if shingles is not None and len(shingles):
            self._recent[article_id] = shingles
            if title:
                self._titles.add(article_id, title, len(shingles))
            if len(self._recent) > RECENT_SHINGLES:
                old, _ = self._recent.popitem(last=False)
                self._titles.remove([old])
        if article_id in self._stories:
            return
        self.index.insert(article_id, signature, keys)
        self._stories[article_id] = story_id

    def remove(self, article_ids: Iterable[int]) -> None:
        gone = [i for i in article_ids if self._stories.pop(i, None) is not None]
        for article_id in gone:
            self._recent.pop(article_id, None)
            self._signatures.pop(article_id, None)
        self._titles.remove(gone)
        self.index.remove(gone)

    def load(
        self,
        rows: Iterable[tuple[int, int, bytes] | tuple[int, int, bytes, datetime | None]],
        batch: int = 20_000,
    ) -> None:
        """Index stored signatures in bulk, a batch at a time: the rebuild at start.

        Rows are (id, story, signature) with the published time as an optional fourth
        value. What a shared index holds already (another worker's) is not inserted again.
        """
        present: set[int] | None = None
        pending: list[tuple[int, bytes]] = []
        for row in rows:
            article_id, story_id, signature = row[0], row[1], row[2]
            if article_id in self._stories:
                continue
            if present is None:
                present = self.index.present()
            self._stories[article_id] = story_id
            if len(row) > 3:
                self._set_time(article_id, row[3])  # type: ignore[misc]
            self._keep_signature(article_id, signature)
            if article_id not in present:
                pending.append((article_id, signature))
            if len(pending) >= batch:
                self.index.insert_many(pending)
                pending = []
        if pending:
            self.index.insert_many(pending)

    def _keep_signature(self, article_id: int, signature: bytes) -> None:
        self._signatures[article_id] = signature
        if len(self._signatures) > RECENT_SHINGLES:
            self._signatures.popitem(last=False)

    def __len__(self) -> int:
        return len(self._stories)


def _minute(when: datetime) -> int:
    """Minutes since the epoch: a published time as the window compares it."""
    return int(when.timestamp() // 60)
