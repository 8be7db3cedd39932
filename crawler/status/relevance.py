"""Topic relevance: an article is about a topic when every group of its query has a hit.

Terms match whole words, case-insensitively; a trailing `*` matches by prefix
(`negotiat*` finds "negotiations" and "negotiators"). Hyphenated terms match with a
hyphen, a space or nothing between the parts ("cease-fire", "cease fire").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


def _term_pattern(term: str) -> str:
    term = term.strip().lower()
    prefix = term.endswith("*")
    term = term.rstrip("*")
    parts = [re.escape(p) for p in re.split(r"[-\s]+", term) if p]
    body = r"[-\s]?".join(parts)
    return rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)")


@dataclass(frozen=True)
class TopicQuery:
    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def from_lists(cls, query: list[list[str]]) -> TopicQuery:
        return cls(tuple(tuple(group) for group in query))

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(
            re.compile("|".join(_term_pattern(t) for t in group), re.IGNORECASE)
            for group in self.groups
        )

    @cached_property
    def _stems(self) -> tuple[tuple[str, ...], ...]:
        """Per group, a substring every match must contain: a cheap test before the regex."""
        return tuple(
            tuple(re.split(r"[-\s]+", t.strip().lower().rstrip("*"))[0] for t in group)
            for group in self.groups
        )

    def _may_match(self, lowered: str) -> bool:
        return all(any(stem in lowered for stem in stems) for stems in self._stems)

    def hits(self, text: str) -> list[str | None]:
        """The first hit of each group, or None where a group has none."""
        found: list[str | None] = []
        for pattern in self._patterns:
            match = pattern.search(text)
            found.append(match.group(0) if match else None)
        return found

    def is_relevant(self, *texts: str) -> bool:
        joined = "\n".join(t for t in texts if t)
        if not self._may_match(joined.lower()):
            return False
        return all(pattern.search(joined) for pattern in self._patterns)

    def relevance(self, *texts: str) -> float:
        """The share of groups with a hit: 1.0 is relevant, below is not."""
        if not self.groups:
            return 1.0
        joined = "\n".join(t for t in texts if t)
        return sum(1 for p in self._patterns if p.search(joined)) / len(self.groups)
