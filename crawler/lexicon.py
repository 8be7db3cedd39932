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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_LEXICON = Path(__file__).with_name("status_lexicon.toml")
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
    cue_regex: re.Pattern[str]
    cue_at: dict[str, re.Pattern[str]]  # by first character; "" for any
    marker_regex: dict[str, re.Pattern[str]]


def _bounded(pattern: str) -> str:
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The lower-case characters a match of `pattern` can start with; None if any.

    Python's regex engine tries every branch of an alternation at every word start; a
    lexicon has hundreds of branches, so sorting them by first character and guarding
    each group with a one-character lookahead makes the scan several times faster.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        chars, nullable = _first(_parser.parse(pattern, re.IGNORECASE))
    except Exception:  # an engine without the parser we know: no dispatch, still correct
        return None
    return None if chars is None or nullable else frozenset(c.lower() for c in chars)


def _first(items: Any) -> tuple[set[str] | None, bool]:
    """First characters of a parsed sequence, and whether it can match empty."""
    from re import _constants as c  # type: ignore[attr-defined]

    found: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            return found | {chr(av)}, False
        if op is c.IN:
            chars: set[str] = set()
            for kind, value in av:
                if kind is c.LITERAL:
                    chars.add(chr(value))
                elif kind is c.RANGE and value[1] - value[0] < 80:
                    chars.update(chr(x) for x in range(value[0], value[1] + 1))
                elif kind is c.CATEGORY and value is c.CATEGORY_DIGIT:
                    chars.update("0123456789")
                else:
                    return None, False
            return found | chars, False
        if op is c.SUBPATTERN or op is c.ATOMIC_GROUP:
            sub, nullable = _first(av[-1] if op is c.SUBPATTERN else av)
        elif op is c.BRANCH:
            sub, nullable = set(), False
            for branch in av[1]:
                chars_b, null_b = _first(branch)
                if chars_b is None:
                    return None, False
                sub |= chars_b
                nullable = nullable or null_b
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            sub, nullable = _first(av[2])
            nullable = nullable or av[0] == 0
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        else:
            return None, False
        if sub is None:
            return None, False
        found |= sub
        if not nullable:
            return found, False
    return found, True


def _dispatch(patterns: list[str]) -> str:
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


def _build(raw: dict[str, Any], origin: str) -> Lexicon:
    statuses = (*STATUSES, NEUTRAL)
    cues: list[Cue] = []
    for status, table in raw.get("cues", {}).items():
        if status not in statuses:
            raise LexiconError(f"{origin}: cues.{status}: unknown status")
        for pattern, weight in table.items():
            if not isinstance(weight, int | float) or weight < 0:
                raise LexiconError(f"{origin}: cues.{status}: weight of {pattern!r} must be >= 0")
            _compile(pattern, f"{origin}: cues.{status} {pattern!r}")
            if weight > 0 or status == NEUTRAL:
                cues.append(Cue(status, pattern, float(weight)))
    if not cues:
        raise LexiconError(f"{origin}: no cues")
    # `cue_regex` finds where some cue starts; `cue_at` then tries, at once, every cue
    # that can start with that character (each in a lookahead), so the longest wins.
    search = _dispatch([cue.pattern for cue in cues])
    cue_regex = _compile(rf"(?<!\w)(?:{search})(?!\w)", f"{origin}: cues")
    at_char: dict[str, list[str]] = {}
    at_anywhere: list[str] = []
    for i, cue in enumerate(cues):
        lookahead = f"(?=(?P<c{i}>{_bounded(cue.pattern)}))?"
        chars = _first_chars(cue.pattern)
        if chars is None:
            at_anywhere.append(lookahead)
        for char in chars or ():
            at_char.setdefault(char, []).append(lookahead)
    cue_at = {
        char: re.compile("".join(parts + at_anywhere), re.IGNORECASE)
        for char, parts in at_char.items()
    }
    cue_at[""] = re.compile("".join(at_anywhere), re.IGNORECASE)
    markers: dict[str, re.Pattern[str]] = {}
    for kind in MARKER_KINDS:
        patterns = raw.get("markers", {}).get(kind, [])
        for pattern in patterns:
            _compile(pattern, f"{origin}: markers.{kind} {pattern!r}")
        markers[kind] = _compile(_bounded(_dispatch(patterns)), f"{origin}: markers.{kind}")
    # Topic and other-conflict markers are looked for in every sentence: one scan.
    markers["context"] = _compile(
        f"(?P<topic>{markers['topic'].pattern})|(?P<other>{markers['other_conflict'].pattern})",
        f"{origin}: markers",
    )
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
        cue_regex=cue_regex,
        cue_at=cue_at,
        marker_regex=markers,
    )


@lru_cache(maxsize=16)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The default lexicon, with the file at `path` (if any) merged over it."""
    raw = _read(DEFAULT_LEXICON)
    origin = str(DEFAULT_LEXICON)
    if path is not None:
        origin = str(path)
        raw = _merge(raw, _read(Path(path).expanduser()), origin)
    return _build(raw, origin)
