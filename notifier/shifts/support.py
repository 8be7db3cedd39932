"""Support: what counts as independent confirmation of a reported status.

The detector's evidence is stories, not articles: syndicated copies are one story
(dedup folds them), so a wire piece printed by five outlets is one report. Outlets are
the secondary weight, counted so that echoes cannot inflate them:

- An article's outlet is its registrable domain, or the outlet an aggregator's item
  names (decided at ingest).
- A configured source that is not an aggregator speaks with one voice: every outlet
  its articles claim (a hostile feed's fifteen spellings of one host, say) is folded
  into one. Outlets are joined when one such source carried both, so the same outlet
  reached through two of its own feeds still counts once.

Everything here is pure: the same observations give the same counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crawler.model import STATUSES

NONE = "none"
_RANK = {status: index for index, status in enumerate(STATUSES)}


@dataclass(frozen=True)
class Observation:
    """One stored article as the detector sees it.

    `source` is the configured source that brought it; `capped` says that source adds
    at most one outlet (every source but an aggregator, and not replayed lines).
    """

    article_id: int
    story_id: int
    outlet: str
    status: str
    confidence: float
    published: datetime
    source: str | None = None
    capped: bool = False


@dataclass(frozen=True)
class StoryView:
    """A story over some span: its voted status, its outlets and its best article."""

    story_id: int
    status: str
    outlets: frozenset[str]
    first_seen: datetime
    article_id: int
    confidence: float
    voices: frozenset[tuple[str, str]] = frozenset()
    last_seen: datetime | None = None

    @property
    def weight(self) -> int:
        """Independent outlets: a capped source's outlets fold into one."""
        return len(outlet_groups([self])) if self.voices else len(self.outlets)


def outlet_groups(stories: Iterable[StoryView]) -> set[str]:
    """The independent outlets behind some stories, each named by its first outlet.

    Outlets carried by one capped source are one group (union-find over the
    (outlet, source) pairs), so a single feed never backs a shift as many outlets.
    """
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_source: dict[str, list[str]] = defaultdict(list)
    for story in stories:
        for outlet in story.outlets:
            parent.setdefault(outlet, outlet)
        for outlet, source in story.voices:
            parent.setdefault(outlet, outlet)
            if source:
                by_source[source].append(outlet)
    for outlets in by_source.values():
        for other in outlets[1:]:
            union(outlets[0], other)
    return {find(outlet) for outlet in parent}


def story_views(observations: Iterable[Observation]) -> list[StoryView]:
    by_story: dict[int, list[Observation]] = defaultdict(list)
    for obs in observations:
        by_story[obs.story_id].append(obs)
    return [_view(story_id, rows) for story_id, rows in sorted(by_story.items())]


def _view(story_id: int, rows: list[Observation]) -> StoryView:
    best_per_outlet: dict[str, Observation] = {}
    for obs in sorted(rows, key=lambda o: (-o.confidence, o.article_id)):
        best_per_outlet.setdefault(obs.outlet, obs)
    votes: dict[str, int] = defaultdict(int)
    weight: dict[str, float] = defaultdict(float)
    for obs in best_per_outlet.values():
        votes[obs.status] += 1
        weight[obs.status] += obs.confidence
    status = max(votes, key=lambda s: (votes[s], round(weight[s], 9), _RANK.get(s, -1)))
    voters = [o for o in best_per_outlet.values() if o.status == status]
    best = min(voters, key=lambda o: (-o.confidence, o.article_id))
    return StoryView(
        story_id=story_id,
        status=status,
        outlets=frozenset(best_per_outlet),
        first_seen=min(o.published for o in rows),
        article_id=best.article_id,
        confidence=best.confidence,
        voices=frozenset((o.outlet, o.source if o.capped and o.source else "") for o in rows),
        last_seen=max(o.published for o in rows),
    )


def distribution(stories: Iterable[StoryView]) -> dict[str, int]:
    """Each status's weight: its stories, each counted once with its independent outlets."""
    weights: dict[str, int] = defaultdict(int)
    for story in stories:
        if story.status != NONE:
            weights[story.status] += story.weight
    return dict(sorted(weights.items(), key=lambda kv: _RANK.get(kv[0], -1)))
