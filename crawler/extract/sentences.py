"""Splitting article text into sentences, keeping where each one sits in the text.

The classifier weighs a sentence by its place (headline, lede, tail) and quotes it as
evidence, so a split must neither glue two reports together nor cut "U.S. President"
in half. A regular expression and an abbreviation list do this well enough for news
prose and cost far less than a tokenizer model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "maj",
        "adm",
        "gov",
        "sen",
        "rep",
        "st",
        "mt",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "corp",
        "co",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "a.m",
        "p.m",
        "i.e",
        "e.g",
        "approx",
        "est",
        "dept",
        "fig",
        "univ",
        # Russian and Ukrainian: "г." (year, city), "т.е.", "и др.", "ст.", "тис.", "млн."
        "г",
        "гг",
        "т.е",
        "т.д",
        "т.п",
        "др",
        "ст",
        "тыс",
        "тис",
        "млн",
        "млрд",
        "руб",
        "грн",
        "им",
        "ул",
        "пр",
    ]
)
# A candidate boundary: end punctuation, optional closing quotes/brackets (« » too),
# whitespace, then something that can start a sentence: a capital, Latin or Cyrillic
# (Russian and Ukrainian), or a digit, maybe after an opening quote or a dialogue dash.
_BOUNDARY = re.compile(r"""[.!?…]+["'”’»)\]]*\s+(?=["'“‘«„(\[—–-]?\s?[A-Z0-9А-ЯЁЄІЇҐ])""")
_LAST_WORD = re.compile(r"([\w.]+)[.!?…]*[\"'”’)\]]*$")
_WORD_REACH = 64
"""How far back from a full stop `_LAST_WORD` looks: searching the whole sentence so far
made splitting quadratic in sentence length, and no abbreviation is this long."""
_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` in order, with their character offsets in it.

    Line breaks always end a sentence: extracted articles put headings, captions and
    boilerplate on lines of their own, and those must not merge into prose.
    """
    out: list[Sentence] = []
    for para in _PARAGRAPH.finditer(text):
        base = para.start()
        line = para.group()
        start = 0
        for match in _BOUNDARY.finditer(line):
            if _is_abbreviation(line, max(start, match.start() - _WORD_REACH), match.start() + 1):
                continue
            _append(out, line, base, start, match.start() + len(match.group().rstrip()))
            start = match.end()
        _append(out, line, base, start, len(line))
    return out


def _is_abbreviation(line: str, start: int, end: int) -> bool:
    """Whether the full stop ending `line[start:end]` closes an abbreviation or an initial."""
    if line[end - 1] != ".":
        return False
    match = _LAST_WORD.search(line, start, end)
    if match is None:
        return False
    word = match.group(1).rstrip(".").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _append(out: list[Sentence], line: str, base: int, start: int, end: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    begin = base + start + lead
    out.append(Sentence(stripped, begin, begin + len(stripped)))
