"""What the learned reader sees of an article: hashed n-grams and the rules' reading.

Four views of the same words, each hashed into its own slice of one sparse vector:
word unigrams and bigrams of the headline (a headline says most of what a story
reports), the same of the lede, character n-grams of both within word bounds
(so "ceasefire", "cease-fire" and "перемирие"/"перемир'я" share pieces across
spellings and inflections), and the words' concepts (`concepts.toml`: "talks",
"переговоры" and "переговори" are one), alone and in pairs, so what the mostly English
training text teaches carries to Russian and Ukrainian. Then a few dense features from
the rules classifier: how much each status's cues weigh, and how often a cue was
negated, only hoped for, history, or about another war; the rules know these things and
a linear model over n-grams does not.

Hashing is written here rather than taken from scikit-learn's `HashingVectorizer`:
importing `sklearn.feature_extraction.text` costs 0.9–1.2 s, more than
`peacewatch classify` may spend starting up, and the n-grams are a few lines.
`zlib.crc32` hashes in C, and the same code runs at training and at reading time.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import numpy as np

from crawler.model import STATUSES
from crawler.status.rules import RulesClassifier

HASH_BITS = 18
"""Each hashed view gets 2**18 slots: few collisions for a vocabulary of news headlines."""
TITLE_WORDS, LEDE_WORDS, CHARS, CONCEPTS = range(4)
"""The hashed views, each in its own slice of the feature space."""
FEATURE_SPACE = 4 << HASH_BITS
"""Every hashed feature id is below this."""
LEDE_CHARS = 600
"""The lede and first sentences: what every source gives, and what decides a reading."""

_REASONS = ("negated", "modal", "demand", "historical", "other conflict")

_WORD = re.compile(r"\w[\w'’-]*\w|\w", re.UNICODE)
_MASK = (1 << HASH_BITS) - 1


def words(text: str) -> list[str]:
    """The casefolded words, apostrophes as one. Whitespace needs no tidying: no word
    holds any, and any run of it parts words alike."""
    return _WORD.findall(text.replace("’", "'").replace("`", "'").casefold())


Gram = str | tuple[str, str]
"""A word or a character n-gram, or a pair of neighbouring words (hashed as "a b")."""


def _word_grams(tokens: list[str]) -> list[Gram]:
    return [*tokens, *itertools.pairwise(tokens)]


def _char_grams(tokens: list[str], low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside each word padded with spaces (scikit-learn's `char_wb`)."""
    out: list[str] = []
    for token in tokens:
        padded = f" {token} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


CACHED = 200_000
"""Most words and n-grams whose ids are remembered (a few tens of MB at most); past
that the memory starts afresh. A feed's words repeat across its entries and a day's
news repeats its words, so most grams are hashed once: featurising costs a fifth of
hashing every gram every time, with the same features in the same order."""

_VIEW_IDS: tuple[dict[Gram, int], ...] = ({}, {}, {}, {})
"""Per view, each gram's feature id. Pairs of words are kept as the tuples `pairwise`
makes, so that a known pair is looked up without building its string, and the ids are
kept whole, so that a headline's or a lede's lookups run in C: the screen's view of an
entry of the feed benchmark 31.0 -> 25.7 us, the screen 46 -> 42 us."""
_WORD_CHARS: dict[str, list[int]] = {}
_WORD_CONCEPTS: dict[str, tuple[str, ...]] = {}


def _remembered(cache: dict[str, Any]) -> dict[str, Any]:
    if len(cache) > CACHED:
        cache.clear()
    return cache


def _hashed(grams: Sequence[Gram], view: int, ids: list[int]) -> None:
    """Append each gram's feature id in `view` to `ids`."""
    cache = _VIEW_IDS[view]
    found = list(map(cache.get, grams))  # most grams are known: one pass in C
    if None in found:
        if sum(map(len, _VIEW_IDS)) > CACHED:
            for each in _VIEW_IDS:
                each.clear()
        base = view << HASH_BITS
        for i, gram in enumerate(grams):
            if found[i] is None:
                text = gram if isinstance(gram, str) else " ".join(gram)
                found[i] = cache[gram] = base | (zlib.crc32(text.encode()) & _MASK)
    ids += cast(list[int], found)


def _char_ids(tokens: list[str], ids: list[int]) -> None:
    """Append the feature ids of each token's character n-grams to `ids`."""
    cache = _remembered(_WORD_CHARS)
    for token in tokens:
        known = cache.get(token)
        if known is None:
            known = []
            _hashed(_char_grams([token]), CHARS, known)
            cache[token] = known
        ids += known


@cache
def _concept_terms() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The concepts of whole words, and of word beginnings (the terms ending in `*`)."""
    table = tomllib.loads((Path(__file__).with_name("concepts.toml")).read_text("utf-8"))
    whole: dict[str, tuple[str, ...]] = {}
    starts: dict[str, tuple[str, ...]] = {}
    for concept, terms in table.items():
        for term in terms:
            into = starts if term.endswith("*") else whole
            key = term.rstrip("*").casefold()
            if concept not in into.get(key, ()):
                into[key] = (*into.get(key, ()), concept)
    return whole, starts


def concepts_of(token: str) -> tuple[str, ...]:
    """The concepts a (casefolded) word stands for: none for most words."""
    cache = _remembered(_WORD_CONCEPTS)
    found = cache.get(token)
    if found is None:
        whole, starts = _concept_terms()
        hit = set(whole.get(token, ()))
        for end in range(1, len(token) + 1):
            hit.update(starts.get(token[:end], ()))
        found = cache[token] = tuple(sorted(hit))
    return found


def _concept_grams(tokens: list[str], mark: str) -> list[str]:
    """Each word's concepts, and the pairs of concepts of neighbouring words that have
    one (words with none are skipped, as languages place function words differently)."""
    known = list(map(_remembered(_WORD_CONCEPTS).get, tokens))
    if None in known:  # a word not seen yet
        known = [concepts_of(t) for t in tokens]
    sequence = [c for c in known if c]
    grams = [f"{mark}{c}" for found in sequence for c in found]
    for before, after in itertools.pairwise(sequence):
        grams += [f"{mark}{a} {b}" for a in before for b in after]
    return grams


def lede(text: str) -> str:
    """The start of the text, cut at a word boundary."""
    if len(text) <= LEDE_CHARS:
        return text
    cut = text.rfind(" ", 0, LEDE_CHARS)
    return text[: cut if cut > 0 else LEDE_CHARS]


def _part_ids(tokens: list[str], view: int, mark: str, ids: list[int]) -> None:
    """Append the ids of the words' n-grams in `view` and of their concepts (`mark`ed as
    the headline's or the lede's) to `ids`."""
    _hashed(_word_grams(tokens), view, ids)
    _hashed(_concept_grams(tokens, mark), CONCEPTS, ids)


def counted(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ids, in order, and how often each occurs."""
    indices, counts = np.unique(np.array(ids, np.int64), return_counts=True)
    return indices, counts.astype(np.float32)


@dataclass(frozen=True)
class Features:
    """One article as the model sees it: sparse hashed counts and dense rule features."""

    indices: np.ndarray
    counts: np.ndarray
    rules: np.ndarray


class Featurizer:
    """Turns (title, text) into `Features`; one instance per lexicon, safe to share."""

    def __init__(self, rules: RulesClassifier | None = None) -> None:
        self.rules = rules or RulesClassifier()

    def hashed(self, title: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids: list[int] = []
        title_words = words(title)
        lede_words = words(lede(text))
        _part_ids(title_words, TITLE_WORDS, "t ", ids)
        _part_ids(lede_words, LEDE_WORDS, "l ", ids)
        _char_ids(title_words + lede_words, ids)
        return counted(ids)

    def screen_view(self, title: str, text: str) -> tuple[list[int], list[int]]:
        """The feature ids of the headline's and the lede's word and concept views, each
        apart, without the character n-grams and the rules: what the relevance screen
        reads, for a quarter of the cost (`model.SCREEN`)."""
        head: list[int] = []
        body: list[int] = []
        _part_ids(words(title), TITLE_WORDS, "t ", head)
        _part_ids(words(lede(text)), LEDE_WORDS, "l ", body)
        return head, body

    def rule_features(self, title: str, text: str) -> np.ndarray:
        sentences = self.rules.sentences(title, lede(text))
        hits = self.rules.hits(sentences)
        talks = [s for s in STATUSES if s != "none"]
        scores = dict.fromkeys(talks, 0.0)
        cues = dict.fromkeys(talks, 0.0)
        reasons = dict.fromkeys(_REASONS, 0.0)
        for hit in hits:
            if hit.status in scores:
                scores[hit.status] += hit.weight
            if hit.cue_status in cues:
                cues[hit.cue_status] += 1.0
            for reason in hit.reasons:
                if reason in reasons:
                    reasons[reason] += 1.0
        top = max(scores.values(), default=0.0)
        values = [
            *(scores[s] for s in talks),
            *(cues[s] for s in talks),
            *(reasons[r] for r in _REASONS),
            top,
        ]
        return np.array([math.log1p(v) for v in values], np.float32)

    def __call__(self, title: str, text: str) -> Features:
        indices, counts = self.hashed(title, text)
        return Features(indices, counts, self.rule_features(title, text))
