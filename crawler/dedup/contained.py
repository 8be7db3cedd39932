"""A feed summary joins the story of the full text it was cut from.

Most feeds carry a headline and a lede; the same story fetched in full from another
outlet shares them, but a 25-shingle summary against a 400-shingle page has a Jaccard
near 0.06, far below any copy threshold, and LSH does not even propose the pair. So a
short text is also compared by *containment* (the share of its shingles found in the
longer text), on the shingles already kept for the exact check, and only against texts
whose headline is close: a rival report may repeat a sentence, a follow-up may reuse
a lede, but they come under other headlines. `python -m tests.eval.dedup` measures both
thresholds on summary/full-text pairs built from the real corpus.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import islice, pairwise

import numpy as np

from crawler.dedup.fingerprint import overlaps, words

CONTAINMENT = 0.75
"""Share of the summary's shingles the full text must hold (real pairs: 0.85 and up;
a summary against another outlet's full report of the same event: 0.45 at most)."""

TITLE_SIMILARITY = 0.5
"""Jaccard of the two headlines' word sets at least (an outlet suffix costs ~0.2)."""

BUCKET_CAP = 32
"""The latest texts one headline word pair proposes in a size band: "peace talks" is
in many."""


def title_words(title: str) -> frozenset[str]:
    return frozenset(words(title))


def title_keys(title: str) -> set[str]:
    """Consecutive word pairs of a headline: what finds a text by its headline."""
    tokens = words(title)
    return {f"{a} {b}" for a, b in pairwise(tokens)} if len(tokens) > 1 else set(tokens)


def contained(short: np.ndarray, long: np.ndarray) -> float:
    """Share of `short`'s shingles (sorted, unique) that `long` holds too."""
    if not len(short) or not len(long):
        return 0.0
    return overlaps(long, [short])[0] / len(short)


LONGER = 1.5
"""How many times the summary's shingles the full text has at least: of two texts, one
is a summary of the other, maybe, only when it is this much the shorter."""

_LOG_LONGER = math.log(LONGER)


def size_band(size: int) -> int:
    """Sizes cut at the powers of `LONGER`: two texts of one band are never a summary
    and its full text, so a headline's texts are filed by band and its own is skipped."""
    return int(math.log(size) / _LOG_LONGER) if size > 0 else -1


class TitleIndex:
    """Recent texts by headline word pair and size band, with their headline words and
    sizes (their shingle counts)."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[int, dict[int, None]]] = {}
        self._titles: dict[int, tuple[frozenset[str], set[str], int]] = {}

    def __len__(self) -> int:
        return len(self._titles)

    def add(self, article_id: int, title: str, size: int) -> None:
        keys, band = title_keys(title), size_band(size)
        self._titles[article_id] = (title_words(title), keys, size)
        for key in keys:
            self._keys.setdefault(key, {}).setdefault(band, {})[article_id] = None

    def remove(self, article_ids: Iterable[int]) -> None:
        for article_id in article_ids:
            found = self._titles.pop(article_id, None)
            if found is None:
                continue
            band = size_band(found[2])
            for key in found[1]:
                bands = self._keys.get(key)
                if bands is None or (owners := bands.get(band)) is None:
                    continue
                owners.pop(article_id, None)
                if not owners:
                    del bands[band]
                    if not bands:
                        del self._keys[key]

    def similar(self, title: str, size: int) -> list[int]:
        """Recent texts whose headline is close to `title` and of which a text of `size`
        shingles is the summary or the full text (`LONGER`).

        A crowded headline pair ("peace talks") proposes hundreds of texts an article,
        most of them as long as this one: those of its own size band are not asked
        (storing every entry of the feed benchmark, all 5.6 M texts proposed were), the
        rest by size, then by the headlines' shared words against their sizes (their
        word Jaccard, without building each pair's union)."""
        mine, band = title_words(title), size_band(size)
        seen: set[int] = set()
        for key in title_keys(title):
            for their_band, owners in self._keys.get(key, {}).items():
                if their_band != band:
                    seen.update(islice(reversed(owners), BUCKET_CAP))
        words_, titles, found = len(mine), self._titles, []
        for i in seen:
            theirs, _, their_size = titles[i]
            short, long = (size, their_size) if size < their_size else (their_size, size)
            if short * LONGER > long:
                continue
            shared = len(mine & theirs)
            if shared and shared >= TITLE_SIMILARITY * (words_ + len(theirs) - shared):
                found.append(i)
        return found
