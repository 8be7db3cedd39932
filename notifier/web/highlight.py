"""Cue words marked in evidence sentences, with everything else escaped.

The classifier owns its lexicon (`crawler.status.lexicon`, cue phrases as regular
expressions); this module only borrows its patterns to mark them. Before that module
exists, or if it cannot load, sentences are shown escaped and unmarked.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape

Cues = re.Pattern[str] | Iterable[str] | None


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


def highlight(sentence: str, cues: Cues) -> Markup:
    """`sentence` escaped, each cue in `<mark>`.

    `cues` is a compiled pattern (the lexicon's) or plain terms: whole words, `term*`
    by prefix.
    """
    pattern = cues if cues is None or isinstance(cues, re.Pattern) else _pattern(tuple(cues))
    if pattern is None:
        return Markup(escape(sentence))
    out: list[str] = []
    last = 0
    for match in pattern.finditer(sentence):
        if match.end() == match.start():
            continue
        out.append(escape(sentence[last : match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    out.append(escape(sentence[last:]))
    return Markup("").join(out)


@lru_cache(maxsize=16)
def cue_pattern(lexicon_path: str | None = None) -> re.Pattern[str] | None:
    """The classifier's status cues (not its neutral ones) as one pattern, if it has any."""
    try:
        lexicon_module = importlib.import_module("crawler.status.lexicon")
        lexicon = lexicon_module.load_lexicon(lexicon_path)
        neutral = getattr(lexicon_module, "NEUTRAL", "neutral")
        patterns = [cue.pattern for cue in lexicon.cues if cue.status != neutral]
    except Exception:  # a display nicety must never break the page
        return None
    if not patterns:
        return None
    patterns.sort(key=len, reverse=True)
    body = "|".join(f"(?:{p})" for p in patterns)
    try:
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    except re.error:
        return None
