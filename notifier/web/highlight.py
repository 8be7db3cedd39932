"""Cue words marked in evidence sentences, with everything else escaped.

The classifier owns its lexicon; this module only asks it for the terms (through
`cue_terms()` in `crawler.status`, when that exists) and marks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape


@lru_cache(maxsize=64)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip().lower() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = []
    for term in cleaned:
        prefix = term.endswith("*")
        words = [re.escape(w) for w in re.split(r"\s+", term.rstrip("*")) if w]
        if not words:
            continue
        body = r"\s+".join(words)
        alternatives.append(body + (r"\w*" if prefix else r"(?!\w)"))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


def highlight(sentence: str, terms: Iterable[str]) -> Markup:
    """`sentence` escaped, each cue term (whole words; `term*` by prefix) in `<mark>`."""
    pattern = _pattern(tuple(terms))
    if pattern is None:
        return Markup(escape(sentence))
    out: list[str] = []
    last = 0
    for match in pattern.finditer(sentence):
        out.append(escape(sentence[last : match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    out.append(escape(sentence[last:]))
    return Markup("").join(out)


def cue_terms() -> list[str]:
    """The classifier's cue terms, or none if its module exposes no lexicon."""
    from crawler import status

    provider = getattr(status, "cue_terms", None)
    if callable(provider):
        try:
            return [str(t) for t in provider()]
        except Exception:  # a display nicety must never break the page
            return []
    return []
