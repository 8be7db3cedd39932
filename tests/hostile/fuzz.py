"""Hypothesis settings of the hostile-input suite: bounded by default, thorough on demand.

The default run keeps the suite near a minute inside `pytest`; `HYPOTHESIS_PROFILE=full`
multiplies the examples for a long hand run. The deadline is each example's time
budget either way: an input that takes longer is a hang, and a failure.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FULL = os.environ.get("HYPOTHESIS_PROFILE") == "full"
SCALE = 25 if FULL else 1


def fuzz(examples: int, deadline_ms: float) -> settings:
    """`examples` per default run (times 25 in the full run), each within `deadline_ms`."""
    return settings(
        max_examples=examples * SCALE,
        deadline=deadline_ms,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=not FULL,
        database=None if not FULL else settings.default.database,
    )


WORDS = [
    "Ukraine",
    "Russia",
    "Kyiv",
    "Moscow",
    "Kremlin",
    "Putin",
    "Zelensky",
    "talks",
    "peace",
    "ceasefire",
    "truce",
    "no",
    "not",
    "breakthrough",
    "stalled",
    "collapsed",
    "agreed",
    "signed",
    "deal",
    "hope",
    "could",
    "would",
    "if",
    "summit",
    "delegations",
    "negotiations",
    "violations",
    "prerequisite",
    "Istanbul",
    "said",
    "the",
    "a",
    "of",
    ".",
    ",",
    ";",
    "—",
    "\n",
    " ",
    "!",
    "?",
    "“",
    "”",
    "'",
    "Mr.",
    "U.S.",
    "1.5",
    "<b>",
    "</p>",
    "&amp;",
]

article_text = st.one_of(
    st.text(max_size=2000),
    st.lists(st.sampled_from(WORDS), max_size=600).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=600).map("".join),
)
"""Text that is random, or made of the words and marks the classifier reads."""


def mutate(document: bytes) -> st.SearchStrategy[bytes]:
    """`document` with random slices cut, repeated or replaced by random bytes."""

    def apply(edits: list[tuple[int, int, bytes]]) -> bytes:
        out = document
        for start, length, patch in edits:
            at = start % (len(out) + 1)
            out = out[:at] + patch + out[at + length :]
        return out

    edit = st.tuples(
        st.integers(0, 1 << 20),
        st.integers(0, 64),
        st.one_of(
            st.binary(max_size=16),
            st.sampled_from(
                [
                    b"<",
                    b">",
                    b"&",
                    b"]]>",
                    b"<![CDATA[",
                    b"&#0;",
                    b"&#x110000;",
                    b"\x00",
                    b"\xff\xfe",
                    b"<!--",
                    b"</item>",
                    b"<item>",
                    b"<entry>",
                    b"<link>",
                ]
            ),
        ),
    )
    return st.lists(edit, min_size=1, max_size=8).map(apply)
