"""The fine-tuned status reader at run time: ONNX Runtime and `tokenizers`, no torch.

`crawler.status.learned.finetune` writes `status.onnx` (int8 weights), its
`tokenizer.json` and `meta.json` into `models/status-tuned/`. The learned reader blends
these probabilities with its n-gram head's for the languages the encoder was fitted on
(`meta.json`); everything else is read by the n-grams alone. A missing folder or
missing packages leave the n-gram reader as it was, so a trimmed install still reads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crawler.status.language import LANGUAGES

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from crawler.model import Classification

TUNED_DIR = Path(__file__).parent / "models" / "status-tuned"
MAX_TOKENS = 64
"""What the encoder is fitted on: a headline and the first sentence of its lede."""
READ_TOKENS = 96
"""What it reads at run time: more of the lede than it was fitted on, which it reads
better (`LEDE_CHARS` ends the text first for most items). Dev, out of fold, the blend
refitted each time: 48 tokens 0.731, 64 0.734, 96 0.735, 128 0.734; a reading costs
1.4 times 48's (34 against 24 ms on 300 test items, interleaved)."""
LEDE_CHARS = 400


def text_of(title: str, text: str) -> str:
    """What the encoder reads: the headline, then the start of the text."""
    return f"{title.strip()}. {text[:LEDE_CHARS]}".strip()


def softmax(z: np.ndarray) -> np.ndarray:
    """Probabilities from logits, in their dtype: the learned heads', the encoder's and
    the blend's."""
    e = np.exp(z - z.max())
    return e / e.sum()


FLOOR = 1e-4
"""Probabilities are floored before their log: a reader's 0 is not infinitely sure."""
BLEND_FILE = "blend.json"
"""Beside the encoder: the regression that combines its reading with the n-grams'
(`blend`)."""


@dataclass(frozen=True)
class Blend:
    """Status probabilities from both readers' and the rules' readings."""

    classes: tuple[str, ...]
    coef: np.ndarray
    """(classes, features): the n-grams' log-probabilities, the encoder's, the rules'
    confidence in their status's column, the language (one column each)."""
    intercept: np.ndarray

    @staticmethod
    def features(
        classes: Sequence[str],
        ngrams: np.ndarray,
        tuned: np.ndarray,
        rules: Classification,
        language: str | None,
    ) -> np.ndarray:
        ruled = np.zeros(len(classes))
        if rules.status in classes:
            ruled[classes.index(rules.status)] = rules.confidence
        spoken = np.array([float(language == lang) for lang in LANGUAGES])
        return np.concatenate(
            [np.log(np.maximum(ngrams, FLOOR)), np.log(np.maximum(tuned, FLOOR)), ruled, spoken]
        )

    def probabilities(
        self, ngrams: np.ndarray, tuned: np.ndarray, rules: Classification, language: str | None
    ) -> np.ndarray:
        """`ngrams` and `tuned` in the order of `classes`."""
        z = self.coef @ self.features(self.classes, ngrams, tuned, rules, language)
        return softmax(z + self.intercept)

    @classmethod
    def load(cls, path: Path) -> Blend | None:
        """The file's blend; None when there is none (or it is not one)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            blend = cls(
                tuple(data["classes"]),
                np.asarray(data["coef"], dtype=np.float64),
                np.asarray(data["intercept"], dtype=np.float64),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        width = 3 * len(blend.classes) + len(LANGUAGES)
        if blend.coef.shape != (len(blend.classes), width) or blend.intercept.shape != (
            len(blend.classes),
        ):
            return None
        return blend

    def save(self, path: Path, meta: dict[str, object]) -> None:
        path.write_text(
            json.dumps(
                {
                    **meta,
                    "classes": list(self.classes),
                    "coef": np.round(self.coef, 6).tolist(),
                    "intercept": np.round(self.intercept, 6).tolist(),
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )


class TunedReader:
    """Status probabilities from the fine-tuned graph, in the order of `classes`."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime
        import tokenizers  # noqa: F401  (missing: no tuned reader, as for ONNX Runtime)

        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.classes: tuple[str, ...] = tuple(meta["classes"])
        self.languages: tuple[str, ...] = tuple(meta.get("languages", ("en",)))
        self.prefix: str = meta.get("prefix", "")
        self.blend = Blend.load(folder / BLEND_FILE)
        self._tokenizer_file = folder / "tokenizer.json"
        if not self._tokenizer_file.is_file():
            raise FileNotFoundError(self._tokenizer_file)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one reading per worker; workers are the parallelism
        options.inter_op_num_threads = 1
        # Fused when it was written (`finetune.optimise`): fusing again costs start-up.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        # One short text at a time: the arena's reserve is 27 MB a process for no speed
        # (13.4 ms a reading with it and without, on 400 dev items).
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        self.session = onnxruntime.InferenceSession(
            str(folder / "status.onnx"), options, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """Built when first needed, apart from the session: building its 52,000-piece
        trie holds the interpreter for about 0.1 s, while ONNX Runtime builds the session
        without it, so `prefetch` overlaps only the session with other start-up work."""
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
        tokenizer.enable_truncation(READ_TOKENS)
        tokenizer.no_padding()
        return tokenizer

    def probabilities(self, title: str, text: str) -> np.ndarray:
        encoding = self.tokenizer.encode(self.prefix + text_of(title, text))
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.int64)
        (logits,) = self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(softmax(logits[0]), dtype=np.float64)


class Joined:
    """The fine-tuned reader beside a reader of other `classes` (the n-grams'): its
    probabilities in their order, its blend when it was fitted on them, and the last
    article's reading remembered, since an article the relevance gate let in on that
    reading (`talks`) is read for its status next."""

    def __init__(self, reader: TunedReader, classes: Sequence[str]) -> None:
        self.reader = reader
        self.order = np.array([reader.classes.index(c) for c in classes])
        fits = reader.blend is not None and reader.blend.classes == tuple(classes)
        self.blend = reader.blend if fits else None
        self._none = reader.classes.index("none")
        self._last: tuple[tuple[str, str], np.ndarray] | None = None

    def _read(self, title: str, text: str) -> np.ndarray:
        last = self._last
        if last is None or last[0] != (title, text):
            last = self._last = ((title, text), self.reader.probabilities(title, text))
        return last[1]

    def probabilities(self, title: str, text: str) -> np.ndarray:
        """In the order of the classes it was joined to."""
        return self._read(title, text)[self.order]

    def talks(self, title: str, text: str) -> float:
        """How surely it reads a talks status: 1 − its `none`."""
        return 1.0 - float(self._read(title, text)[self._none])


_LOCK = threading.Lock()
_LOADED: dict[Path, TunedReader | None] = {}


def load_tuned(folder: Path = TUNED_DIR) -> TunedReader | None:
    """The reader in `folder`, loaded once per process; None when it is not installed."""
    with _LOCK:
        if folder not in _LOADED:
            try:
                _LOADED[folder] = TunedReader(folder)
            except (ImportError, OSError, ValueError, KeyError, RuntimeError):
                _LOADED[folder] = None
        return _LOADED[folder]


def prefetch(folder: Path = TUNED_DIR) -> threading.Thread:
    """Start loading the reader (its session; the tokenizer waits for a reading) in a
    thread. A one-off command (`classify`) that may need it overlaps ONNX Runtime's
    session, built without holding the interpreter, with building the lexicon, which
    holds it; the thread is not a daemon, so the process waits for it to finish."""
    thread = threading.Thread(target=load_tuned, args=(folder,), name="tuned-prefetch")
    thread.start()
    return thread
