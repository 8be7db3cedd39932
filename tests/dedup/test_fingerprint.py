"""A fingerprint is stored: the fast path must give the bytes the datasketch path gave.

`fingerprint` tokenises once and works the MinHash out with numpy; the
reference below is the earlier code (a second tokenisation for the content hash, a
crc32 generator, `np.unique`, datasketch's `update_batch`). Any difference would make
new signatures and hashes miss the stored ones.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zlib

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.dedup.fingerprint import (
    MIN_BODY_WORDS,
    SCHEME,
    SEED,
    _permutations,
    content_hash,
    fingerprint,
    jaccard,
    signature,
    words,
)
from crawler.extract.boilerplate import _words, strip_boilerplate, strip_boilerplate_words
from crawler.settings import DedupSettings
from tests.eval.dedup import PAIRS, load_pairs

SETTINGS = DedupSettings()


def reference(title: str, text: str, k: int = 3, num_perm: int = 128) -> tuple[str, bytes, bytes]:
    """(content hash, signature, shingles) as the datasketch implementation made them."""
    clean = strip_boilerplate(text, title)
    tokens = words(f"{title}\n{clean}")
    if tokens:
        w = np.fromiter((zlib.crc32(t.encode()) for t in tokens), dtype=np.uint64)
        k = min(k, len(w))
        n = len(w) - k + 1
        # float64, as numpy typed it: the multipliers are these constants rounded.
        mix = np.array(
            [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63]
        )
        with np.errstate(over="ignore"):
            h = np.zeros(n, dtype=np.uint64)
            for j in range(k):
                h = h + w[j : j + n] * np.uint64(mix[j % len(mix)]) + np.uint64(j)
            h ^= h >> np.uint64(32)
        shingles = np.unique(h.astype(np.uint32))
    else:
        shingles = np.empty(0, dtype=np.uint32)
    m = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME, hashfunc=lambda v: v)
    m.update_batch(shingles.tolist())
    body = " ".join(words(clean))
    if len(body.split()) < MIN_BODY_WORDS:
        body = f"{' '.join(words(title))}\n{body}"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return digest, m.hashvalues.astype("<u4").tobytes(), shingles.tobytes()


def assert_same(title: str, text: str) -> None:
    fp = fingerprint(title, text, SETTINGS)
    assert fp.shingles.dtype == np.uint32
    assert (fp.content_hash, fp.signature, fp.shingles.tobytes()) == reference(title, text)
    assert content_hash(text, title) == fp.content_hash


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("", ""),
        ("", "ceasefire"),
        ("Talks", ""),
        ("Talks", "Talks"),
        ("Переговоры в Стамбуле", "Делегации встретились в Стамбуле. Ξένος ﬁne Straße İstanbul"),
        (
            "和平谈判",
            "俄罗斯和乌克兰代表团周一在伊斯坦布尔举行了会谈。\n0 Comments\n日本語のテキスト",
        ),
        (
            "Talks resume",
            "KYIV, Ukraine (AP) — Talks resumed on Monday, officials said.\nBy Jane Doe\n"
            "Share on Facebook\nCopyright © 2025 All rights reserved.\ne\u0301 \u2028 x\x85y",
        ),
    ],
)
def test_fingerprint_matches_datasketch(title: str, text: str) -> None:
    assert_same(title, text)


def test_labelled_pairs_fingerprint_as_before() -> None:
    for pair in load_pairs(PAIRS)[:60]:
        for side in ("a", "b"):
            assert_same(pair[side]["title"], pair[side]["text"])


def test_signature_of_no_shingles_is_datasketch_empty_minhash() -> None:
    empty = MinHash(num_perm=128, seed=SEED, scheme=SCHEME).hashvalues.astype("<u4").tobytes()
    assert signature(np.empty(0, dtype=np.uint32), 128) == empty


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_signatures_use_datasketchs_permutations_without_loading_it(num_perm: int) -> None:
    drawn = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
    assert np.array_equal(_permutations(num_perm), drawn)
    assert _permutations(num_perm).dtype == drawn.dtype


def test_fingerprinting_does_not_import_datasketch() -> None:
    # datasketch brings SciPy and aiohttp: ~0.4 s and ~50 MB in every crawl and daemon.
    code = (
        "import sys; from crawler.dedup.fingerprint import fingerprint; "
        "from crawler.settings import DedupSettings; "
        "fingerprint('Talks resume', 'Talks resumed on Monday.', DedupSettings()); "
        "print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(max_size=40),
    text=st.lists(
        st.one_of(
            st.text(max_size=80),
            st.sampled_from(["0 Comments", "By Jane Doe", "MOSCOW (Reuters) - Talks", "©"]),
        ),
        max_size=8,
    ).map("\n".join),
)
def test_any_text_fingerprints_as_before(title: str, text: str) -> None:
    assert_same(title, text)
    title_words, body_words = strip_boilerplate_words(text, title)
    assert title_words == _words(title)
    assert body_words == words(strip_boilerplate(text, title))


def test_jaccard_is_the_set_overlap() -> None:
    rng = np.random.default_rng(5)
    mine = np.unique(rng.integers(0, 2000, 400, dtype=np.uint32))
    others = [np.unique(rng.integers(0, 2000, n, dtype=np.uint32)) for n in (0, 1, 50, 400, 900)]
    others.append(mine.copy())
    for theirs in others:
        inter = len(np.intersect1d(mine, theirs, assume_unique=True))
        assert jaccard(mine, theirs) == inter / (len(mine) + len(theirs) - inter)
        assert jaccard(theirs, mine) == jaccard(mine, theirs)
    empty = np.empty(0, dtype=np.uint32)
    assert jaccard(empty, empty) == 1.0 and jaccard(empty, mine) == 0.0
