"""Outlet groups: the reported status of a topic within each group of outlets.

A source may carry a `group` (`ru-state`, `ua`, `intl`, …) and an aggregator may map
the outlets its items name to groups (`outlet_groups`). Each group's status is the
same decision as the topic's (`detect_shifts`), run over only that group's articles
with its own remembered state, so "Russian state media report talks stalled while
Ukrainian outlets report them ongoing" reads from the same rules as the overall
status. Group runs only report; they raise no shifts and send no alerts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notifier.settings import AlertSettings
from notifier.shifts.detect import DetectorState, detect_shifts
from notifier.shifts.support import Observation


@dataclass(frozen=True)
class OutletGroups:
    """Which group an article counts for: its outlet's, else its source's."""

    sources: Mapping[str, str] = field(default_factory=dict)
    outlets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per source, outlet (registrable domain) → group."""

    @property
    def names(self) -> list[str]:
        named = set(self.sources.values())
        for mapping in self.outlets.values():
            named.update(mapping.values())
        return sorted(named)

    def of(self, source: str | None, outlet: str) -> str | None:
        if source is None:
            return None
        by_outlet = self.outlets.get(source, {})
        return by_outlet.get(outlet) or self.sources.get(source)


def group_states(
    observations: Sequence[Observation],
    previous: Mapping[str, Any],
    groups: OutletGroups,
    settings: AlertSettings,
    now: datetime,
) -> dict[str, dict[str, Any]]:
    """Each group's detector state and support at `now`, as stored with the topic."""
    out: dict[str, dict[str, Any]] = {}
    for name in groups.names:
        mine = [o for o in observations if groups.of(o.source, o.outlet) == name]
        state = DetectorState.from_json(previous.get(name))
        detection = detect_shifts(mine, state, settings, now)
        stories, outlets = detection.support
        out[name] = {**detection.state.to_json(), "stories": stories, "outlets": outlets}
    return out
