"""`peacewatch train`: refit the learned readings on the shipped corpus plus local labels.

A new model replaces the one in use only when it reads the corpus's held-out test
split at least as well (macro-F1 of the status, through the relevance gate): both are
fitted on the train split, with and without the local labels, and measured on the
same items. Accepted, the model that is written is refitted on every item, and the
previous file is kept beside it as `*.prev.npz`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import settings_or_exit
from scheduler.cli.output import emit_json, err_console, fail

if TYPE_CHECKING:
    from crawler.status.learned.train import Example

TOLERANCE = 0.005
"""How much worse on held-out items a refit may read and still be taken (noise)."""


def _read_labelled(path: Path) -> list[Example]:
    """Labelled JSON lines `{title, text, status, relevant?}`; a bad line stops with its number."""
    from crawler.model import STATUSES
    from crawler.status.learned.train import Example

    rows: list[Example] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            status = row.get("status", "none")
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
            rows.append(
                Example(
                    str(row["title"]),
                    str(row.get("text") or ""),
                    status,
                    bool(row.get("relevant", True)),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            fail(f"{path}:{number}: {reason}")
    return rows


@app.command()
def train(
    config: ConfigOption = None,
    labelled: Annotated[
        Path | None,
        typer.Option("--with", help="Labelled JSON lines {title, text, status, relevant}."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the model (default: the topic's model_path)."),
    ] = None,
    accept: Annotated[
        bool, typer.Option("--yes", help="Take the new model even if it reads worse.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Refit relevance and status on the shipped corpus plus labelled items; held-out F1
    before and after, and the old model kept unless the new one is as good."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        fail("training needs scikit-learn: pip install 'peacewatch[train]'")
    from crawler.status.learned.train import fit_and_save, heldout

    settings = settings_or_exit(config)
    topic = settings.topics[0]
    extra = _read_labelled(labelled) if labelled else []
    target = out or Path(topic.classifier.model_path or f"models/{topic.name}.npz")
    scratch = Path(tempfile.mkdtemp(prefix="peacewatch-train-"))
    with err_console.status("fitting on the corpus's train split…"):
        fit_and_save(scratch / "before.npz")
        before = heldout(scratch / "before.npz")
    with err_console.status(f"fitting with {len(extra)} labelled item(s)…"):
        fit_and_save(scratch / "after.npz", extra=extra)
        after = heldout(scratch / "after.npz")
    taken = accept or after["macro_f1"] + TOLERANCE >= before["macro_f1"]
    if taken:
        with err_console.status("refitting on every item…"):
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.replace(target.with_name(target.stem + ".prev.npz"))
            fit_and_save(target, extra=extra, everything=True)
    result = {
        "labelled": len(extra),
        "before": before,
        "after": after,
        "accepted": taken,
        "model": str(target) if taken else None,
    }
    if json_output:
        emit_json(result)
    else:
        for name, scores in (("before", before), ("after", after)):
            err_console.print(
                f"{name:<7} held-out macro-F1 {scores['macro_f1']:.3f}   relevance "
                f"precision {scores['relevance_precision']:.3f} "
                f"recall {scores['relevance_recall']:.3f}"
            )
        if taken:
            err_console.print(f"wrote {target}")
            if topic.classifier.model_path != str(target):
                err_console.print(
                    f"to use it, set model_path = {str(target)!r} under [topics.classifier]"
                )
        else:
            err_console.print(
                "kept the current model: the new one reads held-out items worse "
                "(--yes takes it anyway)"
            )
    if not taken:
        raise typer.Exit(1)
