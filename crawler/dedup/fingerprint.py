"""What dedup compares: a text's content hash, word shingles and MinHash signature.

Pure functions of a title, a text and `DedupSettings`. An exact copy has the same
content hash (the body with boilerplate stripped and case, punctuation and whitespace
normalised). A near copy shares word shingles: their exact Jaccard similarity decides,
and the MinHash signature of the shingles, stored with each article, is what the
index finds candidates by. These bytes are stored: any change to them makes new
fingerprints miss the stored ones (`tests/dedup/test_fingerprint.py` holds them).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from crawler.extract.boilerplate import strip_boilerplate, strip_boilerplate_words
from crawler.model import Fingerprint
from crawler.settings import DedupSettings

if TYPE_CHECKING:
    from datasketch import MinHash

SCHEME = "affine32"
SEED = 1
_DTYPE = np.dtype("<u4")
_WORD = re.compile(r"\w+", re.UNICODE)
# Multipliers that make a shingle's hash depend on its word order. numpy made this
# array float64 (the constants pass int64), so the multipliers stored shingles were
# made with are these rounded to doubles (even numbers): keep the rounding.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63])
_MIX_U64 = [np.uint64(m) for m in _MIX]

# Below this many words a body ("Read the full story.") could be anyone's.
MIN_BODY_WORDS = 12


def fingerprint(title: str, text: str, settings: DedupSettings) -> Fingerprint:
    """Content hash, MinHash signature and shingles of a title and body, tokenised once."""
    title_words, body_words = strip_boilerplate_words(text, title)
    shingles = _shingles(title_words + body_words, settings.shingle)
    return Fingerprint(
        _hash_words(title_words, body_words), signature(shingles, settings.num_perm), shingles
    )


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def normalise_text(text: str, title: str = "") -> str:
    """What is left of a body once boilerplate, case, punctuation and spacing are gone."""
    return " ".join(words(strip_boilerplate(text, title)))


def content_hash(text: str, title: str = "") -> str:
    """Same story text, same hash; a body too short to identify a story takes its title."""
    return _hash_words(words(title), words(strip_boilerplate(text, title)))


def _hash_words(title_words: list[str], body_words: list[str]) -> str:
    # A word holds no whitespace, so the joined body splits back into these words.
    body = " ".join(body_words)
    if len(body_words) < MIN_BODY_WORDS:
        body = f"{' '.join(title_words)}\n{body}"
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def shingle_hashes(title: str, text: str, k: int) -> np.ndarray:
    """The set of 32-bit hashes of the k-word shingles of title and cleaned body, sorted.

    Words are hashed once (crc32) and combined with order-dependent multipliers, so a
    document costs one C call per word and a few array operations.
    """
    return _shingles(words(f"{title}\n{strip_boilerplate(text, title)}"), k)


def _shingles(tokens: list[str], k: int) -> np.ndarray:
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    # map over C functions: no Python frame per word.
    w = np.fromiter(map(zlib.crc32, map(str.encode, tokens)), dtype=np.uint64, count=len(tokens))
    k = min(k, len(w))
    n = len(w) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            h = h + w[j : j + n] * _MIX_U64[j % len(_MIX_U64)] + np.uint64(j)
        h ^= h >> np.uint64(32)
    return _sorted_unique(h.astype(np.uint32))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` for a short array (sorted in place): a fifth of its cost at 400 values."""
    values.sort()
    keep = np.empty(len(values), dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard of two shingle sets (sorted, unique arrays, as `_shingles` makes them)."""
    if not len(a) and not len(b):
        return 1.0
    inter = overlaps(a, [b])[0] if len(a) else 0
    return inter / (len(a) + len(b) - inter)


def overlaps(a: np.ndarray, others: Sequence[np.ndarray]) -> list[int]:
    """|a ∩ b| for each b of `others`: a non-empty and sorted, each b without repeats.

    One binary search of all their values in `a` at once: `np.intersect1d` per pair
    concatenated and sorted both arrays, a dozen times per stored article.
    """
    values = np.concatenate(others) if len(others) > 1 else others[0]
    if not len(values):
        return [0] * len(others)
    at = np.searchsorted(a, values)
    np.minimum(at, len(a) - 1, out=at)
    hits = np.concatenate(([0], np.cumsum(a[at] == values)))
    ends = np.cumsum([len(b) for b in others])
    return (hits[ends] - hits[ends - [len(b) for b in others]]).tolist()


@functools.cache
def _permutations(num_perm: int) -> np.ndarray:
    """The affine32 permutations every signature shares, drawn as datasketch's MinHash
    draws them for `SEED` (its `_init_permutations`; a test holds the two equal). Drawn
    here because importing datasketch loads SciPy and aiohttp, about 0.4 s and 50 MB in
    every process that fingerprints; it is imported only where its objects are needed."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


def _identity(value: int) -> int:
    return value


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch's affine32 applies to each input."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash(shingles: np.ndarray, num_perm: int) -> MinHash:
    """datasketch's MinHash of the shingles: what `signature` works out faster."""
    from datasketch import MinHash

    m = MinHash(
        num_perm=num_perm,
        permutations=_permutations(num_perm),
        scheme=SCHEME,
        hashfunc=_identity,
    )
    m.update_batch(shingles.tolist())
    return m


def signature(shingles: np.ndarray, num_perm: int) -> bytes:
    """`minhash(shingles).hashvalues` as stored, worked out without datasketch's
    per-value Python loop: its affine32 update with the identity hash."""
    a, b = _permutations(num_perm)
    if not len(shingles):
        return np.full(len(a), 0xFFFFFFFF, dtype=_DTYPE).tobytes()
    # One row per permutation, so each minimum is over a contiguous row.
    phv = np.multiply.outer(a, _fmix32(shingles))
    phv += b[:, None]
    return phv.min(axis=1).astype(_DTYPE).tobytes()


def signature_values(signature: bytes, num_perm: int) -> np.ndarray:
    """A stored signature's hash values; a signature of another length is refused."""
    values = np.frombuffer(signature, dtype=_DTYPE)
    if len(values) != num_perm:
        raise ValueError(
            f"stored signature has {len(values)} values, [dedup] num_perm is {num_perm}"
        )
    return values


def signature_rows(signatures: Sequence[bytes], num_perm: int) -> np.ndarray:
    """Stored signatures as one array, a row each: what a bulk insert cuts bands from."""
    rows = np.frombuffer(b"".join(signatures), dtype=_DTYPE).reshape(-1, num_perm)
    if rows.shape[0] != len(signatures):
        raise ValueError(f"stored signatures do not have [dedup] num_perm = {num_perm} values")
    return rows


def from_signature(signature: bytes, num_perm: int) -> MinHash:
    """A stored signature as datasketch's MinHash, for datasketch's index to take."""
    from datasketch import MinHash

    return MinHash(
        hashvalues=signature_values(signature, num_perm),
        permutations=_permutations(num_perm),
        scheme=SCHEME,
    )
