"""Sentence embeddings from all-MiniLM-L6-v2 at run time, without torch.

Two encoders, built by `python -m crawler.status.learned.distill` into `models/`:

- `static`: model2vec's distillation of MiniLM, a table of one vector per vocabulary
  token; a text's vector is the (weighted) mean of its tokens' rows. It needs numpy and
  the `tokenizers` package only: the table is read straight from its safetensors file
  (an 8-byte header length, a JSON header, raw little-endian arrays), so neither
  model2vec nor safetensors is imported.
- `onnx` (and `onnx-int8`, its weight-quantised copy): the full six-layer transformer
  with its mean pooling and normalisation inside the graph, run by ONNX Runtime.

Either is loaded once per process (`load`) and shared; `encode` turns a list of texts
into a float32 matrix, one row per text. `text_of` is what is encoded for an article:
the headline and the lede, the part every source gives and the part that decides.
"""

from __future__ import annotations

import json
import struct
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

MODELS = Path(__file__).parent / "models"
STATIC_DIR = MODELS / "minilm-static"
ONNX_DIR = MODELS / "minilm-onnx"
KINDS = ("static", "onnx", "onnx-int8")
LEDE_CHARS = 600
"""How much of the text follows the headline: the lede and first sentences."""
ONNX_MAX_TOKENS = 128
"""MiniLM was trained on 128-token inputs; a headline and a lede fit, and attention
costs grow with the square of the length."""
ONNX_BATCH = 64

_SAFETENSORS_DTYPES = {"F16": np.float16, "F32": np.float32, "I64": np.int64, "I32": np.int32}


class EncoderError(Exception):
    """An encoder that cannot be loaded: its files are missing, or not what we wrote."""


class Encoder(Protocol):
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def text_of(title: str, text: str) -> str:
    """The headline and the start of the text (cut at a word boundary)."""
    if len(text) > LEDE_CHARS:
        cut = text.rfind(" ", 0, LEDE_CHARS)
        text = text[: cut if cut > 0 else LEDE_CHARS]
    return f"{title.strip()}\n{text.strip()}".strip()


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a safetensors file, with numpy alone."""
    try:
        raw = path.read_bytes()
        (length,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8 : 8 + length])
    except (OSError, struct.error, ValueError) as exc:
        raise EncoderError(f"cannot read {path}: {exc}") from exc
    base = 8 + length
    arrays: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(spec["dtype"])
        if dtype is None:
            raise EncoderError(f"{path}: tensor {name} has unsupported dtype {spec['dtype']}")
        start, end = spec["data_offsets"]
        array = np.frombuffer(
            raw, dtype=np.dtype(dtype).newbyteorder("<"), count=-1, offset=base + start
        )[: (end - start) // np.dtype(dtype).itemsize]
        arrays[name] = array.reshape(spec["shape"])
    return arrays


def _tokenizer(folder: Path):  # type: ignore[no-untyped-def]
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise EncoderError("the embedding encoders need the `tokenizers` package") from exc
    path = folder / "tokenizer.json"
    if not path.exists():
        raise EncoderError(f"{path} is missing: run python -m crawler.status.learned.distill")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class StaticEncoder:
    """model2vec's static embedding: a mean of token rows, read with numpy."""

    def __init__(self, folder: Path = STATIC_DIR) -> None:
        model = folder / "model.safetensors"
        if not model.exists():
            raise EncoderError(f"{model} is missing: run python -m crawler.status.learned.distill")
        arrays = read_safetensors(model)
        if "embeddings" not in arrays:
            raise EncoderError(f"{model} holds no `embeddings` table")
        self.table = arrays["embeddings"].astype(np.float32)
        weights = arrays.get("weights")
        self.weights = None if weights is None else weights.astype(np.float32)
        mapping = arrays.get("mapping")
        self.mapping = None if mapping is None else mapping.astype(np.int64)
        config_path = folder / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
        self.normalize = bool(config.get("normalize", True))
        self.max_length: int | None = config.get("max_length") or None
        self.tokenizer = _tokenizer(folder)
        model_json = json.loads(self.tokenizer.to_str())["model"]
        unk = model_json.get("unk_token")
        self.unk_id = self.tokenizer.token_to_id(unk) if unk else None
        self.dim = int(self.table.shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for row, encoding in enumerate(encodings):
            ids = [i for i in encoding.ids if i != self.unk_id][: self.max_length]
            if not ids:
                continue
            at = np.asarray(ids, dtype=np.int64)
            vectors = self.table[at if self.mapping is None else self.mapping[at]]
            if self.weights is not None:
                vectors = vectors * self.weights[at][:, None]
            out[row] = vectors.mean(axis=0)
        if self.normalize:
            out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        return out


class OnnxEncoder:
    """The full MiniLM through ONNX Runtime; pooling and normalisation are in the graph."""

    def __init__(self, folder: Path = ONNX_DIR, file: str = "model.onnx") -> None:
        model = folder / file
        if not model.exists():
            raise EncoderError(
                f"{model} is missing: run python -m crawler.status.learned.distill --only onnx"
            )
        try:
            import onnxruntime
        except ImportError as exc:
            raise EncoderError("the onnx encoder needs the `onnxruntime` package") from exc
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = _tokenizer(folder)
        self.tokenizer.enable_truncation(ONNX_MAX_TOKENS)
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> np.ndarray:
        parts = [np.zeros((0, self.dim), dtype=np.float32)]
        for start in range(0, len(texts), ONNX_BATCH):
            encodings = self.tokenizer.encode_batch(list(texts[start : start + ONNX_BATCH]))
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(encodings), width), dtype=np.int64)
            mask = np.zeros((len(encodings), width), dtype=np.int64)
            for row, encoding in enumerate(encodings):
                ids[row, : len(encoding.ids)] = encoding.ids
                mask[row, : len(encoding.ids)] = 1
            (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            parts.append(vectors.astype(np.float32))
        return np.concatenate(parts)


_loaded: dict[str, Encoder] = {}
_lock = threading.Lock()


def load(kind: str = "static") -> Encoder:
    """The encoder of this kind, built once per process and shared after."""
    if kind not in KINDS:
        raise EncoderError(f"unknown encoder {kind!r}; choose one of {', '.join(KINDS)}")
    with _lock:
        if kind not in _loaded:
            if kind == "static":
                _loaded[kind] = StaticEncoder()
            else:
                file = "model.int8.onnx" if kind == "onnx-int8" else "model.onnx"
                _loaded[kind] = OnnxEncoder(ONNX_DIR, file)
        return _loaded[kind]


def encode(texts: list[str], kind: str = "static") -> np.ndarray:
    """One float32 row per text, from the encoder of this kind (loaded on first use)."""
    return load(kind).encode(texts)
