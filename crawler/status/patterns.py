"""Searching text for any of a lexicon's hundreds of patterns, fast.

Python's regex engine tries every branch of an alternation at every word start; a
lexicon has hundreds. Two tricks, both derived from the patterns themselves by reading
them with the `re` module's own parser: grouping branches by first character behind a
one-character lookahead (`dispatch`), and a trie of the patterns' literal beginnings run
on lower-cased text that says where a match may start and which few patterns to read
there (`StartFinder`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any


def bounded(pattern: str) -> str:
    """`pattern` matched as whole words only."""
    return rf"(?<!\w)(?:{pattern})(?!\w)"


PREFIX_CHARS = 8
"""How much of each pattern's literal beginning the start finders look for."""


@lru_cache(maxsize=4096)
def _prefixes(pattern: str) -> frozenset[str] | None:
    """Lower-case beginnings, one of which every match of `pattern` starts with; None if
    a match can start with anything (a class like `\\w`, or an empty match)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        found = _sequence(_parser.parse(pattern, re.IGNORECASE), PREFIX_CHARS)
    except Exception:  # an engine without the parser we know: no prefixes, still correct
        return None
    if not found or any(not text for text, _ in found):
        return None
    return frozenset(text for text, _ in found)


_MAX_PREFIXES = 512

# (text, open): a possible beginning of a match, and whether what follows can extend it.
_Starts = set[tuple[str, bool]]


def _sequence(items: Any, limit: int) -> _Starts | None:
    """The beginnings (at most `limit` characters) of a parsed sequence's matches."""
    current: _Starts = {("", True)}
    for op, av in items:
        step = _item(op, av, limit)
        following: _Starts = set()
        for text, extendable in current:
            if not extendable or len(text) >= limit or step is None:
                following.add((text, False))
                continue
            for more, more_open in step:
                joined = text + more
                following.add((joined[:limit], more_open and len(joined) < limit))
        if len(following) > _MAX_PREFIXES:
            return None
        current = following
    return current


def _item(op: Any, av: Any, limit: int) -> _Starts | None:
    from re import _constants as c  # type: ignore[attr-defined]

    if op is c.LITERAL:
        return {(chr(av).lower(), True)}
    if op is c.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is c.LITERAL:
                chars.add(chr(value).lower())
            elif kind is c.RANGE and value[1] - value[0] < 80:
                chars.update(chr(x).lower() for x in range(value[0], value[1] + 1))
            elif kind is c.CATEGORY and value is c.CATEGORY_DIGIT:
                chars.update("0123456789")
            else:
                return None
        return {(char, True) for char in chars}
    if op is c.SUBPATTERN:
        return _sequence(av[-1], limit)
    if op is c.ATOMIC_GROUP:
        return _sequence(av, limit)
    if op is c.BRANCH:
        union: _Starts = set()
        for branch in av[1]:
            starts = _sequence(branch, limit)
            if starts is None:
                return None
            union |= starts
        return union
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        once = _sequence(body, limit)
        if once is None:
            return None
        starts = once if (low, high) == (1, 1) else {(text, False) for text, _ in once}
        if low == 0:
            starts = {*(once if high == 1 else starts), ("", True)}
        return starts
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return {("", True)}
    return None


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The lower-case characters a match of `pattern` can start with; None if any.

    Python's regex engine tries every branch of an alternation at every word start; a
    lexicon has hundreds of branches, so sorting them by first character and guarding
    each group with a one-character lookahead makes the scan several times faster.
    """
    prefixes = _prefixes(pattern)
    return None if prefixes is None else frozenset(text[0] for text in prefixes)


def _trie(texts: set[str]) -> str:
    """An alternation matching any of `texts` whose branches each open with a literal,
    which the engine rejects with one comparison."""
    groups: dict[str, set[str]] = {}
    for text in texts:
        groups.setdefault(text[0], set()).add(text[1:])
    parts = []
    for char in sorted(groups):
        rest = groups[char]
        if "" in rest:
            parts.append(re.escape(char))
        else:
            parts.append(f"{re.escape(char)}(?:{_trie(rest)})")
    return "|".join(parts)


@dataclass(frozen=True)
class StartFinder:
    """Where a match of some lexicon pattern may start, and which patterns can start there.

    A lexicon's alternation is tried case-insensitively, branch by branch, at every word
    start; that was most of the classifier's time. The patterns' literal beginnings (up
    to `PREFIX_CHARS` characters) make a trie that the engine rejects in a comparison
    or two, run on lower-cased text, and the beginning found says which few patterns
    to read there in full. A false start costs a little and nothing is missed. Text
    whose case folding is not one character for one (or has a character that
    case-insensitive matching equates with one of the prefixes' letters, like "ſ" with
    "s") is searched with the full patterns instead.
    """

    pattern: str
    """Finds beginnings; with the patterns that have no literal beginning when `hints`."""
    literal: re.Pattern[str]
    """Finds beginnings only: for text without any of the hints."""
    hints: tuple[str, ...] | None
    """Text without these has no match of the patterns lacking a literal beginning
    (None: look for those everywhere)."""
    groups: dict[str, tuple[int, ...]]
    """By beginning, the indexes of the patterns that can start with it."""
    anywhere: tuple[int, ...]
    """Patterns that can start with anything: read at every start found."""
    special: frozenset[str] | None
    """Characters that send text to the full patterns; None: any that is not ASCII."""

    @classmethod
    def of(cls, patterns: list[str]) -> StartFinder:
        beginnings = [_prefixes(pattern) for pattern in patterns]
        literal = {text for found in beginnings for text in found or ()}
        # A beginning that extends a shorter one adds nothing.
        shortest = {t for t in literal if _shorter(t, literal) is None}
        groups: dict[str, list[int]] = {}
        anywhere: list[int] = []
        hints: set[str] | None = set()
        for index, found in enumerate(beginnings):
            if found is None:
                anywhere.append(index)
                needed = _necessary(patterns[index])
                hints = None if hints is None or needed is None else hints | needed
                continue
            for text in found:
                key = _shorter(text, shortest) or text
                if index not in groups.setdefault(key, []):
                    groups[key].append(index)
        trie = _trie(shortest) if shortest else r"(?!x)x"
        others = "".join(f"|(?i:{patterns[index]})" for index in anywhere)
        return cls(
            pattern=rf"(?<!\w)(?:{trie}{others})",
            literal=re.compile(rf"(?<!\w)(?:{trie})"),
            hints=None if hints is None else tuple(sorted(hints)),
            groups={key: tuple(indexes) for key, indexes in groups.items()},
            anywhere=tuple(anywhere),
            special=_case_partners({char for text in shortest for char in text}),
        )

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """`pattern` compiled: only text holding a hint needs it."""
        return re.compile(self.pattern)

    def scanner(self, lowered: str) -> re.Pattern[str]:
        """The regex to find beginnings in `lowered` with."""
        if self.anywhere and (self.hints is None or any(h in lowered for h in self.hints)):
            return self.regex
        return self.literal


def _shorter(text: str, texts: set[str]) -> str | None:
    """The shortest of `texts` that `text` extends, if any."""
    return next((text[:n] for n in range(1, len(text)) if text[:n] in texts), None)


def _necessary(pattern: str) -> frozenset[str] | None:
    """Lower-case text every match of `pattern` contains (its longest run of plain
    characters, if three or more), or None."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        items = list(_parser.parse(pattern, re.IGNORECASE))
    except Exception:
        return None
    best, run = "", ""
    for op, av in items:
        run = run + chr(av).lower() if op is c.LITERAL else ""
        best = max(best, run, key=len)
    return frozenset([best]) if len(best) >= 3 else None


def _case_partners(chars: set[str]) -> frozenset[str] | None:
    """Characters that case-insensitive matching equates with `chars` beyond lower case."""
    try:
        from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]
    except ImportError:  # without the table, text that is not ASCII takes the full patterns
        return None
    return frozenset(chr(p) for char in chars for p in _EXTRA_CASES.get(ord(char), ()))


def dispatch(patterns: list[str]) -> str:
    """One alternation of `patterns`, grouped by first character behind a lookahead."""
    buckets: dict[str, list[str]] = {}
    anywhere: list[str] = []
    for pattern in patterns:
        chars = _first_chars(pattern)
        if chars is None:
            anywhere.append(f"(?:{pattern})")
            continue
        for char in sorted(chars):
            buckets.setdefault(char, []).append(f"(?:{pattern})")
    groups: dict[tuple[str, ...], set[str]] = {}
    for char, bodies in buckets.items():
        groups.setdefault(tuple(bodies), set()).add(char)
    parts = [
        f"(?=[{re.escape(''.join(sorted(chars)))}])(?:{'|'.join(bodies)})"
        for bodies, chars in groups.items()
    ]
    return "|".join(parts + anywhere) or r"(?!x)x"
