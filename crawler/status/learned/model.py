"""The learned reader: relevance and status from linear heads over `features`.

A model file is one `.npz` of plain arrays (no pickle, so loading one runs no code):
the vocabulary the heads were fitted on (hashed feature ids with their idf), the
scaling of the rules' dense features, and per head its classes, weights, intercepts
and the temperature that calibrates its probabilities. The default topic's model ships
in `models/`; `peacewatch train` writes others.

Evidence for a model's verdict is the sentences that, each read alone by the same
model, say the chosen status most surely; the best ones (never a repeat of the
headline) are quoted in the article's order.

For articles in the languages it was fitted on (English, Russian, Ukrainian) the status
probabilities are blended with a fine-tuned multilingual-e5-small's (`tuned`), when its
files and ONNX Runtime are installed: on held-out dev items the blend read each of the
three better than either alone, and the regression in the encoder's `blend.json`
(`blend`), which also weighs the rules' reading and the language, better than a fixed
share. Other languages are read by the n-grams alone.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from crawler.extract.sentences import split_sentences
from crawler.model import Classification
from crawler.status.language import detect
from crawler.status.learned.features import FEATURE_SPACE, Features, Featurizer, counted, lede
from crawler.status.learned.tuned import TUNED_DIR, Joined, TunedReader, load_tuned, softmax

MODELS = Path(__file__).parent / "models"
DEFAULT_MODEL = MODELS / "reader.npz"
EVIDENCE_MAX = 3
EVIDENCE_SHARE = 0.5
"""A sentence is evidence when, read alone, it gives the status at least this share of
the probability the strongest sentence gives it..."""
EVIDENCE_FLOOR = 0.2
"""...and at least this probability."""
TUNED_WEIGHT = 0.6
"""The fine-tuned encoder's share of the blend where its folder has no regression to
combine the readings with (`blend`, which reads dev at 0.735 against this share's 0.721).
With multilingual-e5-small fine-tuned on
train (`python -m crawler.status.learned.finetune --split train`, corpus at 10,666
items), shares of 0.3, 0.4, 0.5, 0.6, 0.7, 0.85 and 1 read dev at 0.679, 0.685, 0.698,
0.708, 0.709, 0.695 and 0.689 (the n-grams alone 0.662); 0.6 read Ukrainian better
than 0.7 (0.680 against 0.674). The English MiniLM it replaced was blended at 0.4: larger
shares read its written regression set worse and raised the 2025 replay's false alarms.
An earlier round, at 0.5, read the US–Ukraine minerals deal of 1 May 2025 as an
`agreement` (since guarded by `RULES_OVERRULED`)."""
BLEND_TEMPERATURE = 0.65
"""An average of two readers' probabilities is flatter than either: on dev's blended
items its confidence understated how often it was right (0.2–0.4 sure, 42% right;
0.4–0.6, 66%; 0.6–0.8, 86%). Its probabilities are raised to 1/0.65 and renormalised,
the temperature that read those items with the least log loss; the chosen status does
not change."""
RULES_SURE = 0.95
"""The rules' fast path: a talks status the lexicon reads this surely (several strong
cues, nothing negated or hoped for) is taken as it stands, with the rules' spans as
evidence. Chosen on dev among 0.8, 0.9 and 0.95: at 0.95 dev and test read as without
it (0.602 against 0.601, 0.584 against 0.586) and the written set 0.91 against 0.89;
lower thresholds cost dev more."""
RULES_OVERRULED = 0.5
"""...unless the n-grams read `none` more likely than not: the lexicon's surest cues
("sign ... deal") also fire on deals that are not about the talks (the US–Ukraine minerals
deal, read as `agreement` by three outlets, broke the 2025 replay's must-not). With this
guard dev, test and the written set read as before (0.592, 0.568, 0.876) and the 2025
replay keeps its five events with no must-not broken."""
ROWS_REMEMBERED = 1024
"""Articles whose vectorised row and readings a reader remembers: ingest gates a whole
batch (a feed's entries) before it reads the status of those that pass, and the gate's
row is the reader's. Keyed by headline and lede, what the row is made of, so a long
body costs no memory."""
TUNED_SKIP = 0.7
"""When the n-grams read `none` at least this surely, the fine-tuned reader is not
asked: most articles that pass the gate are war news without talks... At 0.5 it missed
talks news whose words the n-grams also meet in war news ("Biden held a two-hour video
call with Putin": `none` 0.68 by the n-grams, 0.03 by the encoder). Chosen on dev, the
readers fitted on train and the blend out of fold, among 0.5 to 0.8: `none` precision
0.924, 0.930, 0.932, 0.933, macro-F1 0.735, 0.733, 0.733, 0.732; asked of 42% of dev's
items against 38%."""
TUNED_SURE = 0.8
"""...nor when they read any status this surely. The encoder costs some 10 ms of CPU an
article, the n-grams under 1 ms; asked only when the n-grams are unsure (`none` then
under 0.5) it read 35% of dev's items instead of 55%, and dev read as when it is always
asked (0.709; with the n-grams' top status at 0.7 or 0.6 the skip read dev at 0.705 and
0.695)."""


SCREEN = "screen"
"""The relevance screen: a second relevance head over the word and concept views alone
(no character n-grams, no rules), a quarter of the full reading's cost. An article it
scores below its threshold is not relevant and is never read in full; the threshold is
the screen score under which it drops 0.1% of the dev items the full gate keeps
(`train.SCREEN_LOSS`). It only ever turns articles away at the shipped thresholds (the
shared one, or a language's lower one, `train.language_thresholds`) or above: a topic
that lowers `relevance_threshold` reads every article in full."""


def screen_row(
    vocabulary: Vocabulary, featurizer: Featurizer, title: str, text: str
) -> tuple[np.ndarray, np.ndarray]:
    """The screen's (positions, values): the headline's views and the lede's, each
    normalised apart. Normalised together, as the full reading's are, a lede of page
    furniture ("World | Europe", a byline, share buttons) drowns the headline's words in
    so short a view ("Peace push for Ukraine stalls as mediators grow frustrated" read
    0.15 with such a lede, 0.99 alone), where the full reading's character n-grams and
    rules keep it (0.999)."""
    parts = [vocabulary.weighted(*counted(ids)) for ids in featurizer.screen_view(title, text)]
    return np.concatenate([p for p, _ in parts]), np.concatenate([v for _, v in parts])


class ModelError(Exception):
    """A model file that cannot be read: missing, truncated, or not one of ours."""


@dataclass(frozen=True)
class Vocabulary:
    """Which hashed features the heads know, their idf, and the dense features' scale."""

    ids: np.ndarray
    idf: np.ndarray
    rule_mean: np.ndarray
    rule_scale: np.ndarray
    rule_weight: float

    @property
    def size(self) -> int:
        return len(self.ids) + len(self.rule_mean)

    @cached_property
    def _columns(self) -> np.ndarray:
        """Each hashed feature id's column, -1 for ids the heads do not know: a gather
        per article instead of a binary search per feature (4 MB for the 4 views)."""
        columns = np.full(FEATURE_SPACE, -1, np.int32)
        columns[self.ids] = np.arange(len(self.ids), dtype=np.int32)
        return columns

    def vectorize(self, features: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, values) of the known hashed features and the scaled dense rule
        features: one row of the design matrix."""
        positions, values = self.weighted(features.indices, features.counts)
        dense = (features.rules - self.rule_mean) / self.rule_scale * self.rule_weight
        return positions, values, dense.astype(np.float32)

    @cached_property
    def _lookups(self) -> tuple[memoryview, memoryview]:
        """`_columns` and `idf` as memoryviews: indexed from Python, they give plain ints
        and floats, with no copy."""
        return self._columns.data, self.idf.data

    def dot(self, ids: list[int], weights: memoryview) -> float:
        """`weights` (one per column) dotted with the `weighted` values of `ids`, in plain
        Python: for the few dozen ids of one headline or lede, a fifth of the cost of
        counting, gathering and multiplying them with numpy, which the screen paid on
        every article that passed the prefilter."""
        columns, idf = self._lookups
        dot = square = 0.0
        for feature, count in Counter(ids).items():
            column = columns[feature]
            if column >= 0:
                value = idf[column] if count == 1 else (1.0 + math.log(count)) * idf[column]
                square += value * value
                dot += value * weights[column]
        return dot / math.sqrt(square) if square > 0.0 else 0.0

    def weighted(self, indices: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions, values) of the known hashed features, L2-normalised sublinear tf-idf."""
        at = self._columns[indices]
        known = at >= 0
        positions = at[known]
        values = (1.0 + np.log(counts[known])) * self.idf[positions]
        norm = float(np.sqrt(np.dot(values, values)))
        if norm > 0:
            values = values / norm
        return positions, values.astype(np.float32)


@dataclass(frozen=True)
class Head:
    """A linear head: one row of weights per class (one row for a yes/no head)."""

    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float

    def logits(self, positions: np.ndarray, values: np.ndarray, dense: np.ndarray) -> np.ndarray:
        hashed = self.coef.shape[1] - len(dense)
        return self.coef[:, positions] @ values + self.coef[:, hashed:] @ dense + self.intercept

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities (softmax, or a sigmoid for a yes/no head)."""
        z = logits / self.temperature
        if len(self.classes) == 2 and len(z) == 1:
            p = 1.0 / (1.0 + math.exp(-float(z[0])))
            return np.array([1.0 - p, p])
        return softmax(z)


@dataclass
class _Row:
    row: tuple[np.ndarray, np.ndarray, np.ndarray]
    relevance: float
    status: np.ndarray | None = None


@dataclass(frozen=True)
class Reading:
    relevance: float
    classification: Classification


class LearnedReader:
    """Reads (title, text) into a relevance score and a status with evidence.

    One instance per model file and process; `load_reader` caches them, so a worker
    loads its model once.
    """

    def __init__(
        self, path: Path, featurizer: Featurizer | None = None, tuned: Path | None = TUNED_DIR
    ) -> None:
        try:
            self._load(path)
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ModelError(f"cannot read model file {path}: {reason}") from None
        self.path = path
        self.featurizer = featurizer or Featurizer()
        self._tuned_dir = tuned
        self._rows: OrderedDict[tuple[str, str], _Row] = OrderedDict()

    def _load(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.vocabulary = Vocabulary(
                ids=data["vocab_ids"],
                idf=data["vocab_idf"],
                rule_mean=data["rule_mean"],
                rule_scale=data["rule_scale"],
                rule_weight=float(data["rule_weight"]),
            )
            self.status = _head(data, "status")
            self._none = self.status.classes.index("none")
            self.relevant = _head(data, "relevant")
            self.threshold = float(data["relevant_threshold"])
            self.headline_threshold = (  # files before it: the one threshold
                float(data["relevant_threshold_headline"])
                if "relevant_threshold_headline" in data.files
                else self.threshold
            )
            self.language_thresholds = (  # files before them: the one threshold for all
                dict(
                    zip(
                        map(str, data["relevant_threshold_languages"]),
                        map(float, data["relevant_threshold_by_language"]),
                        strict=True,
                    )
                )
                if "relevant_threshold_languages" in data.files
                else {}
            )
            self.screen = _head(data, "screen") if "screen_coef" in data.files else None
            self.screen_threshold = (
                float(data["screen_threshold"]) if self.screen is not None else 0.0
            )
            self.meta: dict[str, object] = json.loads(str(data["meta"]))

    def _row(self, title: str, text: str) -> _Row:
        """The article's row and relevance, remembered (`ROWS_REMEMBERED`, the oldest
        forgotten first)."""
        key = (title, lede(text))
        found = self._rows.get(key)
        if found is not None:
            return found
        row = self.vocabulary.vectorize(self.featurizer(title, text))
        relevance = float(self.relevant.probabilities(self.relevant.logits(*row))[1])
        found = self._rows[key] = _Row(row, relevance)
        if len(self._rows) > ROWS_REMEMBERED:
            self._rows.popitem(last=False)
        return found

    def _linear(self, title: str, text: str) -> tuple[float, np.ndarray]:
        """Relevance and the n-gram head's status probabilities; the status head is
        only computed for the articles whose status is read (most are only gated)."""
        found = self._row(title, text)
        if found.status is None:
            found.status = self.status.probabilities(self.status.logits(*found.row))
        return found.relevance, found.status

    def parts(self, title: str, text: str) -> tuple[np.ndarray, Classification]:
        """The n-grams' status probabilities and the rules' reading: what the encoder's
        reading is blended with (`blend`)."""
        return self._linear(title, text)[1], self.featurizer.rules.classify(title, text)

    def _tuned(self) -> TunedReader | None:
        """The fine-tuned reader, loaded when a reading first needs it (or at `preload`):
        a process that reads none of its languages, or gates relevance and meets no
        article the n-grams doubt (`talks`), never pays for ONNX Runtime."""
        return load_tuned(self._tuned_dir) if self._tuned_dir is not None else None

    def talks(self, title: str, text: str, language: str | None = None) -> float | None:
        """How surely the fine-tuned encoder reads the article as reporting a talks status
        (1 − its `none`); None where it is not installed or does not read the language.
        The relevance gate asks it of articles the n-grams score just under its threshold
        (`relevance.RESCUE_SCORE`)."""
        found = self._encoder_for(title, text, language)
        return None if found is None else found[0].talks(title, text)

    def _encoder_for(
        self, title: str, text: str, language: str | None
    ) -> tuple[Joined, str] | None:
        """The fine-tuned reader and the article's language (`detect`: a declared tag
        such as `en-GB` normalised, else its letters), where it reads that language."""
        joined = self._joined
        if joined is None:
            return None
        spoken = detect(title, text, language)
        return (joined, spoken) if spoken in joined.reader.languages else None

    @cached_property
    def _joined(self) -> Joined | None:
        """The fine-tuned reader beside the n-grams' statuses: worked out at the first
        article that needs it."""
        reader = self._tuned()
        return None if reader is None else Joined(reader, self.status.classes)

    def preload(self) -> None:
        """Load the fine-tuned reader now. A daemon calls this at start: loaded at the
        first unsure article instead, ONNX Runtime's import and session (about half a
        second, seconds on a loaded machine) would stall the polls that share its loop."""
        reader = self._tuned()
        if reader is not None:
            reader.tokenizer  # noqa: B018  (built on first use otherwise)

    def read(self, title: str, text: str, language: str | None = None) -> Reading:
        """Both readings; `language` (detected when not given) decides whether the
        fine-tuned reader joins the n-grams for the status."""
        relevance, probs = self._linear(title, text)
        ruled = self.featurizer.rules.classify(title, text)
        sure = ruled.status != "none" and ruled.confidence >= RULES_SURE
        if sure and probs[self._none] < RULES_OVERRULED:
            return Reading(relevance, ruled)
        unsure = probs[self._none] < TUNED_SKIP and probs.max() < TUNED_SURE
        found = self._encoder_for(title, text, language) if unsure else None
        if found is not None:
            joined, language = found
            tuned = joined.probabilities(title, text)
            if joined.blend is not None:
                probs = joined.blend.probabilities(probs, tuned, ruled, language)
            else:
                blend = (1.0 - TUNED_WEIGHT) * probs + TUNED_WEIGHT * tuned
                sharper = np.power(blend, 1.0 / BLEND_TEMPERATURE)
                probs = sharper / sharper.sum()
        best = int(np.argmax(probs))
        status = self.status.classes[best]
        evidence = [] if status == "none" else self.evidence(title, text, best)
        return Reading(relevance, Classification(status, round(float(probs[best]), 3), evidence))

    def __call__(self, title: str, text: str, language: str | None = None) -> Classification:
        return self.read(title, text, language).classification

    def relevance(self, title: str, text: str) -> float:
        return self._row(title, text).relevance

    def screened_out(self, title: str, text: str) -> bool:
        """Whether the screen (`SCREEN`) turns the article away before the full reading."""
        if self.screen is None:
            return False
        weights = self._screen_weights
        logit = float(self.screen.intercept[0]) + sum(
            self.vocabulary.dot(ids, weights) for ids in self.featurizer.screen_view(title, text)
        )
        return 1.0 / (1.0 + math.exp(-logit / self.screen.temperature)) < self.screen_threshold

    @cached_property
    def _screen_weights(self) -> memoryview:
        assert self.screen is not None
        return self.screen.coef[0].data

    def is_relevant(self, title: str, text: str) -> bool:
        return self.relevance(title, text) >= self.threshold

    def evidence(self, title: str, text: str, status: int) -> list[str]:
        """The headline and lede sentences that, each read alone, say `status` most surely,
        in the order the article tells them."""
        title = " ".join(title.split())
        candidates = [title] if title else []
        seen = {_key(title)}
        for sentence in split_sentences(lede(text)):
            key = _key(sentence.text)
            if key and not any(_same(key, s) for s in seen):
                seen.add(key)
                candidates.append(" ".join(sentence.text.split()))
        scored: list[tuple[float, int]] = []
        for index, candidate in enumerate(candidates):
            row = self.vocabulary.vectorize(self.featurizer(candidate, ""))
            score = float(self.status.probabilities(self.status.logits(*row))[status])
            scored.append((score, index))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        if not scored:
            return []
        # The best sentence is quoted even when, alone, it says the status faintly: the
        # whole article (or the fine-tuned reader) decided, and a reader wants a reason.
        top = scored[0][0]
        strong = [
            i
            for score, i in scored[:EVIDENCE_MAX]
            if score >= max(EVIDENCE_FLOOR, EVIDENCE_SHARE * top)
        ]
        return [candidates[i] for i in sorted(strong or [scored[0][1]])]


def _head(data: np.lib.npyio.NpzFile, name: str) -> Head:
    return Head(
        classes=tuple(str(c) for c in data[f"{name}_classes"]),
        coef=data[f"{name}_coef"].astype(np.float32),
        intercept=data[f"{name}_intercept"],
        temperature=float(data[f"{name}_temperature"]),
    )


def _key(text: str) -> str:
    return " ".join("".join(c for c in text.casefold() if c.isalnum() or c.isspace()).split())


def _same(a: str, b: str) -> bool:
    """Near-identical sentences: one contains the other, or they share most words."""
    if a in b or b in a:
        return True
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) >= 0.8 * min(len(wa), len(wb))


@cache
def load_reader(path: str | None = None) -> LearnedReader:
    """The reader for a model file (the shipped one by default), loaded once per process."""
    return LearnedReader(Path(path) if path else DEFAULT_MODEL)
