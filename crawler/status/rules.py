"""The reported status of the talks in one article, with the evidence that decided it.

`classify(title, text)` is the default: offline, fast and deterministic. It reads the
article sentence by sentence, finds the lexicon's cue phrases, and asks of each cue
what a careful reader would: is it negated ("no breakthrough"), only hoped for or
demanded ("calls for a ceasefire"), history ("the 2022 talks collapsed"), or about
another war ("the Gaza truce")? Cues then count, weighted by where they stand
(headline over lede over tail), towards the status they really report. The sentences
that weighed most for the winner are the evidence a person can check.

`crawler.status.backend` picks the reader a topic is configured for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.extract.sentences import split_sentences
from crawler.model import STATUSES, Classification
from crawler.status.lexicon import NEUTRAL, Cue, Lexicon, load_lexicon
from crawler.status.patterns import StartFinder

if TYPE_CHECKING:
    pass

__all__ = ["RulesClassifier", "classify"]

# Two cues matching the same words: the more specific reading wins ("sign a ceasefire
# deal" is a ceasefire, "declares the truce over" a collapse).
_PRECEDENCE = {
    s: i
    for i, s in enumerate(
        (
            NEUTRAL,
            "collapsed",
            "ceasefire",
            "agreement",
            "stalled",
            "progress",
            "scheduled",
            "ongoing",
            "proposed",
            "none",
        )
    )
}
_CLAUSE_BREAK = re.compile(
    r";|:\s|\s[—–-]\s|,?\s(?:but|though|although|while|whereas|where)\s", re.IGNORECASE
)
_MIN_WORDS = 4


@dataclass(frozen=True, slots=True)
class CueHit:
    """One cue as read in context: the status it counts for and how much."""

    sentence: int
    start: int
    end: int
    cue_status: str
    status: str
    weight: float
    reasons: tuple[str, ...]


def _normalise(text: str) -> str:
    """Same length as `text`, so match offsets point into the original."""
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


class RulesClassifier:
    """The lexicon-driven classifier; one instance per lexicon, safe to share."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        s = self.lexicon.settings
        self._title_weight = s.get("title_weight", 3.0)
        self._lede_weight = s.get("lede_weight", 2.0)
        self._lede_sentences = int(s.get("lede_sentences", 2))
        self._body_weight = s.get("body_weight", 1.2)
        self._tail_after = int(s.get("tail_after", 12))
        self._tail_weight = s.get("tail_weight", 0.6)
        self._min_score = s.get("min_score", 1.0)
        self._evidence_max = int(s.get("evidence_max", 3))

    def __call__(self, title: str, text: str, language: str | None = None) -> Classification:
        return self.classify(title, text)

    def sentences(self, title: str, text: str) -> list[tuple[str, float]]:
        """The article's sentences with their positional weights, headline first."""
        out: list[tuple[str, float]] = []
        seen: set[str] = set()
        title = " ".join(title.split())
        if title:
            out.append((title, self._title_weight))
            seen.add(title.casefold())
        position = 0
        for sentence in split_sentences(text):
            key = " ".join(sentence.text.split()).casefold()
            if key in seen:
                continue
            seen.add(key)
            if position < self._lede_sentences:
                weight = self._lede_weight
            elif position < self._tail_after:
                weight = self._body_weight
            else:
                weight = self._tail_weight
            if sentence.text.count(" ") + 1 >= _MIN_WORDS:
                position += 1
            out.append((sentence.text, weight))
        return out

    def hits(self, sentences: Iterable[tuple[str, float]]) -> list[CueHit]:
        """Every cue in the sentences, read in context, with its weighted contribution."""
        lex = self.lexicon
        out: list[CueHit] = []
        context = "topic"
        context_regex = lex.marker_regex["context"]
        for index, (raw, position_weight) in enumerate(sentences):
            sentence = _normalise(raw)
            lowered = lex.lowered(sentence)
            matches = self._cues(sentence, lowered)
            topic: list[int] = []
            other: list[int] = []
            for marker in _scan(context_regex, lex.context_start, sentence, lowered):
                (topic if marker.lastgroup == "topic" else other).append(marker.start())
            carried = context
            if topic or other:
                context = "other" if (other and (not topic or other[-1] > topic[-1])) else "topic"
            if not matches:
                continue
            breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence)]
            # What the previous sentences were about counts as a marker just before
            # this one: "The truce, mediated by Qatar, ..." after a Gaza headline.
            if carried == "other":
                other = [-1, *other]
            else:
                topic = [-1, *topic]
            for cue, start, end in matches:
                if cue.status == NEUTRAL:
                    continue
                hit = self._read_cue(
                    sentence, start, end, cue.status, cue.weight, topic, other, breaks
                )
                if hit is None:
                    continue
                status, weight, reasons = hit
                if status == "none" or weight <= 0:
                    continue
                out.append(
                    CueHit(
                        sentence=index,
                        start=start,
                        end=end,
                        cue_status=cue.status,
                        status=status,
                        weight=weight * position_weight,
                        reasons=reasons,
                    )
                )
        return out

    def _cues(self, sentence: str, lowered: str | None) -> list[tuple[Cue, int, int]]:
        """Non-overlapping cues, left to right; where several start together, the longest.

        `lowered` is the sentence as `lex.lowered` gives it: where it is
        not None, only the places the start finder points at are read.
        """
        lex = self.lexicon
        if lowered is None:
            finder, text = lex.cue_regex, sentence
        else:
            finder, text = lex.cue_start.scanner(lowered), lowered
        out: list[tuple[Cue, int, int]] = []
        pos = 0
        while (found := finder.search(text, pos)) is not None:
            start = found.start()
            beginning = None if lowered is None else found.group()
            at = lex.cue_reader(beginning).match(sentence, start)
            assert at is not None
            best: tuple[Cue, int] | None = None
            for name, value in at.groupdict().items():
                if value is None:
                    continue
                cue, end = lex.cues[int(name[1:])], at.end(name)
                if best is None or (end, -_PRECEDENCE[cue.status], cue.weight) > (
                    best[1],
                    -_PRECEDENCE[best[0].status],
                    best[0].weight,
                ):
                    best = (cue, end)
            if best is None:  # a start the finder saw that no cue completes
                pos = start + 1
                continue
            out.append((best[0], start, best[1]))
            pos = max(best[1], start + 1)
        return out

    def cue_spans(self, sentence: str) -> list[tuple[int, int, str]]:
        """Where the lexicon's cues sit in `sentence`, for highlighting evidence."""
        normal = _normalise(sentence)
        return [
            (start, end, cue.status)
            for cue, start, end in self._cues(normal, self.lexicon.lowered(normal))
            if cue.status != NEUTRAL
        ]

    def _read_cue(
        self,
        sentence: str,
        start: int,
        end: int,
        status: str,
        weight: float,
        topic: list[int],
        other: list[int],
        breaks: list[int],
    ) -> tuple[str, float, tuple[str, ...]] | None:
        lex = self.lexicon
        factors, windows, markers = lex.factors, lex.windows, lex.marker_regex
        clause_start = max((b for b in breaks if b < start), default=0)
        clause_end = min((b for b in breaks if b >= end), default=len(sentence))
        reasons: list[str] = []
        if other and _nearest(other, start, end) < _nearest(topic, start, end):
            weight *= factors.get("other_conflict", 0.0)
            reasons.append("other conflict")
            if weight <= 0:
                return None

        def before(kind: str, key: str) -> bool:
            lo = max(clause_start, start - windows.get(key, 40))
            return markers[kind].search(sentence, lo, start) is not None

        def after(kind: str, key: str) -> bool:
            hi = min(clause_end, end + windows.get(key, 40))
            return markers[kind].search(sentence, end, hi) is not None

        # History is often told before a colon ("Istanbul 2022: the talks collapsed"),
        # so the window before the cue stops only at a semicolon.
        lo = max(sentence.rfind(";", 0, start) + 1, start - windows.get("historical_before", 80))
        if markers["historical"].search(sentence, lo, start) is not None or after(
            "historical", "historical_after"
        ):
            weight *= factors.get("historical", 0.1)
            reasons.append("historical")
        if before("negation_before", "negation_before") or after(
            "negation_after", "negation_after"
        ):
            status = lex.transform.get("negation", {}).get(status, status)
            weight *= factors.get("negation", 0.7)
            reasons.append("negated")
        elif before("modality", "modality_before"):
            status = lex.transform.get("modality", {}).get(status, status)
            weight *= factors.get("modality", 0.5)
            reasons.append("modal")
        elif before("demand", "demand_before"):
            status = lex.transform.get("modality", {}).get(status, status)
            weight *= factors.get("demand", 0.5)
            reasons.append("demand")
        return status, weight, tuple(reasons)

    def classify(self, title: str, text: str) -> Classification:
        sentences = self.sentences(title, text)
        hits = self.hits(sentences)
        scores = dict.fromkeys(STATUSES, 0.0)
        for hit in hits:
            scores[hit.status] += hit.weight
        ranked = sorted(
            (s for s in STATUSES if s != "none"), key=lambda s: (-scores[s], STATUSES.index(s))
        )
        best = ranked[0]
        top = scores[best]
        if top < self._min_score:
            confidence = 0.7 - 0.4 * min(1.0, top / self._min_score)
            return Classification("none", round(confidence, 3), [])
        total = sum(scores.values())
        strength = 1.0 - math.exp(-top / 4.0)
        confidence = (top / total) * (0.5 + 0.5 * strength)
        per_sentence: dict[int, float] = {}
        for hit in hits:
            if hit.status == best:
                per_sentence[hit.sentence] = per_sentence.get(hit.sentence, 0.0) + hit.weight
        order = sorted(per_sentence, key=lambda i: (-per_sentence[i], i))
        evidence = _distinct([sentences[i][0] for i in order])[: self._evidence_max]
        return Classification(best, round(min(1.0, max(0.0, confidence)), 3), evidence)


_WORD = re.compile(r"\w+")


def _stems(sentence: str) -> list[str]:
    """Words cut to five letters, so "agree"/"agreed" and "talks"/"talk" compare equal."""
    return [w[:5] for w in _WORD.findall(sentence.lower())]


def _near_duplicate(a: str, b: str) -> bool:
    """A headline and the lede that restates it ("Ukraine, Russia agree energy truce" /
    "Ukraine and Russia agreed an energy truce, the Kremlin said."): nearly all of the
    shorter one's words are in the longer, which is not much longer. A short headline
    inside a long sentence that says more ("Talks stall" in a 12-word lede) is kept."""
    short, long = sorted((_stems(a), _stems(b)), key=len)
    if not short:
        return False
    shared = len(set(short) & set(long)) / len(set(short))
    return shared >= 0.8 and len(long) <= 2.5 * len(short)


def _distinct(sentences: list[str]) -> list[str]:
    """Evidence in order of weight, without sentences that repeat one already shown."""
    kept: list[str] = []
    for sentence in sentences:
        if not any(_near_duplicate(sentence, seen) for seen in kept):
            kept.append(sentence)
    return kept


def _scan(
    regex: re.Pattern[str], finder: StartFinder, text: str, lowered: str | None
) -> Iterator[re.Match[str]]:
    """`regex.finditer(text)`, reading only where `finder` sees a possible start in
    `lowered` (the text as `Lexicon.lowered` gives it; None: read everywhere)."""
    if lowered is None:
        yield from regex.finditer(text)
        return
    pos, scanner = 0, finder.scanner(lowered)
    while (found := scanner.search(lowered, pos)) is not None:
        match = regex.match(text, found.start())
        if match is not None:
            yield match
        pos = max(match.end() if match else 0, found.start() + 1)


def _nearest(positions: list[int], start: int, end: int) -> int:
    if not positions:
        return 1 << 30
    return min(start - p if p < start else (p - end if p >= end else 0) for p in positions)


_default: RulesClassifier | None = None


def classify(title: str, text: str, language: str | None = None) -> Classification:
    """The status `title` and `text` report about the default topic's talks."""
    global _default
    if _default is None:
        _default = RulesClassifier()
    return _default.classify(title, text)
