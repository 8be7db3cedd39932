"""Cue words marked in evidence sentences, with everything else escaped.

Where the cues sit is the classifier's answer (`RulesClassifier.cue_spans`), the same
one `peacewatch classify` colours in a terminal; this module only turns it into HTML.
Plain terms (`stall*` by prefix) mark a topic's own words the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape

from crawler.status.lexicon import LexiconError, load_lexicon
from crawler.status.rules import RulesClassifier

Cues = RulesClassifier | Iterable[str] | None


@lru_cache(maxsize=64)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip().lower() for t in terms if t and t.strip()}, key=len, reverse=True)
    alternatives = []
    for term in cleaned:
        prefix = term.endswith("*")
        words = [re.escape(w) for w in re.split(r"\s+", term.rstrip("*")) if w]
        if words:
            alternatives.append(r"\s+".join(words) + (r"\w*" if prefix else r"(?!\w)"))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


def _spans(sentence: str, cues: Cues) -> list[tuple[int, int]]:
    if cues is None:
        return []
    if isinstance(cues, RulesClassifier):
        return [(start, end) for start, end, _ in cues.cue_spans(sentence)]
    pattern = _pattern(tuple(cues))
    return [m.span() for m in pattern.finditer(sentence)] if pattern is not None else []


def highlight(sentence: str, cues: Cues) -> Markup:
    """`sentence` escaped, each cue in `<mark>`: `cues` is a classifier's reader, or
    plain terms (whole words, `term*` by prefix)."""
    out: list[str] = []
    last = 0
    for start, end in sorted(_spans(sentence, cues)):
        if start < last or end <= start:
            continue  # overlapping or empty: the earlier, longer mark stands
        out.append(escape(sentence[last:start]))
        out.append(Markup("<mark>%s</mark>") % sentence[start:end])
        last = end
    out.append(escape(sentence[last:]))
    return Markup("").join(out)


@lru_cache(maxsize=16)
def cue_reader(lexicon_path: str | None = None) -> RulesClassifier | None:
    """The reader whose cues a topic's evidence is marked with; None if its lexicon
    cannot load (a display nicety must never break the page)."""
    try:
        return RulesClassifier(load_lexicon(lexicon_path))
    except (LexiconError, OSError):
        return None
