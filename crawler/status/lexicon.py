"""The rules classifier's lexicon: cue phrases, markers and weights, read from TOML.

The lexicon is data so that an analyst can teach peacewatch a new phrase ("talks hit
the buffers") or a new topic's vocabulary without touching code: the default file
ships in the package, and a topic's `classifier.lexicon` file is merged over it.
Everything here is compiled once per file, because the classifier runs on every
stored article.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.model import STATUSES
from crawler.status.patterns import StartFinder, bounded, dispatch

DEFAULT_LEXICON = Path(__file__).with_name("lexicon.toml")
NEUTRAL = "neutral"
MARKER_KINDS = (
    "negation_before",
    "negation_after",
    "modality",
    "demand",
    "historical",
    "topic",
    "other_conflict",
)
_SECTIONS = {"settings", "factors", "windows", "transform", "markers", "cues"}


class LexiconError(ValueError):
    """A lexicon file that cannot be used, worded as the one line the user will read."""


class Patterns(dict[str, re.Pattern[str]]):
    """Regular expressions by name, each compiled when first asked for.

    Compiling a lexicon's combined patterns was 0.07 s of its 0.18 s build, and some are
    read only for some text (the cue alternation for text the start finders cannot
    lower-case): `peacewatch classify` on one text need not compile them all. Two threads
    asking at once may both compile a pattern; either result serves.
    """

    def __init__(self, sources: dict[str, str]) -> None:
        super().__init__()
        self.sources = sources

    def __missing__(self, name: str) -> re.Pattern[str]:
        compiled = self[name] = re.compile(self.sources[name], re.IGNORECASE)
        return compiled

    def compile_all(self, origin: str) -> None:
        """Compile every pattern now, naming the one that fails."""
        for name in self.sources:
            if name not in self:
                where = name if name == "cues" else f"markers.{name}"
                self[name] = _compile(self.sources[name], f"{origin}: {where}")


@dataclass(frozen=True)
class Cue:
    status: str
    pattern: str
    weight: float


@dataclass(frozen=True)
class Lexicon:
    """A compiled lexicon; build it with `load_lexicon`."""

    settings: dict[str, float]
    factors: dict[str, float]
    windows: dict[str, int]
    transform: dict[str, dict[str, str]]
    cues: tuple[Cue, ...]
    marker_regex: Patterns
    """By marker kind (and `context`: topic or other conflict), and `cues`: where some cue
    starts in text as it is, for text the start finders cannot read lower-cased."""
    cue_start: StartFinder
    context_start: StartFinder
    """Where a topic or other-conflict marker may start."""
    _readers: dict[tuple[int, ...], re.Pattern[str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def cue_regex(self) -> re.Pattern[str]:
        return self.marker_regex["cues"]

    def lowered(self, text: str) -> str | None:
        """`text` lower-cased offset for offset, as both start finders read it; None if
        it must be searched as is (see `StartFinder`)."""
        low = text.lower()
        if text.isascii():
            return low
        if len(low) != len(text):
            return None
        for finder in (self.cue_start, self.context_start):
            if finder.special is None or not finder.special.isdisjoint(low):
                return None
        return low

    def cue_reader(self, beginning: str | None) -> re.Pattern[str]:
        """Every cue that can start with `beginning` (as `cue_start` found it; None:
        every cue), each in an optional lookahead, so one match reads them all and the
        longest can win. Compiled on first use: most beginnings never occur."""
        if beginning is None:
            indexes = tuple(range(len(self.cues)))
        else:
            start = self.cue_start
            indexes = (*start.groups.get(beginning, ()), *start.anywhere)
        reader = self._readers.get(indexes)
        if reader is None:
            reader = self._readers[indexes] = re.compile(
                "".join(f"(?=(?P<c{i}>{bounded(self.cues[i].pattern)}))?" for i in indexes),
                re.IGNORECASE,
            )
        return reader


def _merge(base: dict[str, Any], extra: dict[str, Any], origin: str) -> dict[str, Any]:
    unknown = set(extra) - _SECTIONS
    if unknown:
        raise LexiconError(f"{origin}: unknown section {sorted(unknown)[0]!r}")
    merged = {key: dict(value) for key, value in base.items()}
    for section in ("settings", "factors", "windows"):
        merged.setdefault(section, {}).update(extra.get(section, {}))
    for kind, table in extra.get("transform", {}).items():
        merged.setdefault("transform", {}).setdefault(kind, {}).update(table)
    for kind, patterns in extra.get("markers", {}).items():
        if not isinstance(patterns, list):
            raise LexiconError(f"{origin}: markers.{kind} must be a list of patterns")
        current = list(merged.setdefault("markers", {}).get(kind, []))
        merged["markers"][kind] = current + [p for p in patterns if p not in current]
    for status, table in extra.get("cues", {}).items():
        merged.setdefault("cues", {}).setdefault(status, {}).update(table)
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"lexicon file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read lexicon file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon file {path}: not valid TOML: {exc}") from None


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise LexiconError(f"{where}: invalid regular expression: {exc}") from None


def _build(raw: dict[str, Any], origin: str, *, each: bool = True) -> Lexicon:
    """The compiled lexicon. `each` compiles every pattern alone first, so a user's broken
    pattern is named even where the combined alternation would hide it (about 0.5 s; the
    shipped file is checked by its tests instead)."""
    statuses = (*STATUSES, NEUTRAL)
    cues: list[Cue] = []
    for status, table in raw.get("cues", {}).items():
        if status not in statuses:
            raise LexiconError(f"{origin}: cues.{status}: unknown status")
        for pattern, weight in table.items():
            if not isinstance(weight, int | float) or weight < 0:
                raise LexiconError(f"{origin}: cues.{status}: weight of {pattern!r} must be >= 0")
            if each:
                _compile(pattern, f"{origin}: cues.{status} {pattern!r}")
            if weight > 0 or status == NEUTRAL:
                cues.append(Cue(status, pattern, float(weight)))
    if not cues:
        raise LexiconError(f"{origin}: no cues")
    # `cues` finds where some cue starts in text as it is; `cue_start` does so in
    # lower-cased text, faster, and says which cues to read there (`cue_reader`).
    sources = {"cues": bounded(dispatch([cue.pattern for cue in cues]))}
    raw_markers = raw.get("markers", {})
    for kind in MARKER_KINDS:
        patterns = raw_markers.get(kind, [])
        for pattern in patterns if each else ():
            _compile(pattern, f"{origin}: markers.{kind} {pattern!r}")
        sources[kind] = bounded(dispatch(patterns))
    # Topic and other-conflict markers are looked for in every sentence: one scan.
    sources["context"] = f"(?P<topic>{sources['topic']})|(?P<other>{sources['other_conflict']})"
    markers = Patterns(sources)
    if each:
        markers.compile_all(origin)
    transform = {k: dict(v) for k, v in raw.get("transform", {}).items()}
    for kind, table in transform.items():
        for source, target in table.items():
            if source not in STATUSES or target not in STATUSES:
                raise LexiconError(f"{origin}: transform.{kind}.{source}: unknown status")
    return Lexicon(
        settings={k: float(v) for k, v in raw.get("settings", {}).items()},
        factors={k: float(v) for k, v in raw.get("factors", {}).items()},
        windows={k: int(v) for k, v in raw.get("windows", {}).items()},
        transform=transform,
        cues=tuple(cues),
        marker_regex=markers,
        cue_start=StartFinder.of([cue.pattern for cue in cues]),
        context_start=StartFinder.of(
            [*raw_markers.get("topic", []), *raw_markers.get("other_conflict", [])]
        ),
    )


def load_lexicon(path: str | None = None) -> Lexicon:
    """The default lexicon, with the file at `path` (if any) merged over it."""
    return _load(path)


@lru_cache(maxsize=16)
def _load(path: str | None) -> Lexicon:
    """`load_lexicon`, built once a process whether `path` is passed as None or left out
    (lru_cache keys those apart, and a build compiles about a thousand patterns)."""
    raw = _read(DEFAULT_LEXICON)
    origin = str(DEFAULT_LEXICON)
    if path is not None:
        origin = str(path)
        raw = _merge(raw, _read(Path(path).expanduser()), origin)
    return _build(raw, origin, each=path is not None)
