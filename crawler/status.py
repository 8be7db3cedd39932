"""The reported status of the talks in one article, with the evidence that decided it.

Placeholder interface; the rules classifier lands with the classifier issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = (
    "none",
    "proposed",
    "scheduled",
    "ongoing",
    "progress",
    "stalled",
    "collapsed",
    "ceasefire",
    "agreement",
)
DECISIVE = frozenset({"ceasefire", "agreement", "collapsed"})


@dataclass(frozen=True)
class Classification:
    status: str = "none"
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)


def classify(title: str, text: str) -> Classification:
    return Classification()
