"""`peacewatch label` and `peacewatch train`: corrections teach the readings.

A correction wins at once (the next shift detection reads it), survives
`reclassify`, and becomes a training row (`crawler.store.corrections`). `train`
refits the learned readings on the shipped corpus plus those rows and a labelled
file; a new model replaces the one in use only when it reads the corpus's held-out
test split at least as well (macro-F1 of the status, through the relevance gate):
both are fitted on the train split, with and without the local labels, and measured
on the same items. Accepted, the model that is written is refitted on every item,
and the previous file is kept beside it as `*.prev.npz`.
"""

from __future__ import annotations

import getpass
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from scheduler.cli.app import ConfigOption, JsonOption, app
from scheduler.cli.context import engine_or_exit, settings_or_exit
from scheduler.cli.output import emit_json, err_console, fail

if TYPE_CHECKING:
    from crawler.status.learned.train import Example
    from scheduler.config import Settings


def _login() -> str | None:
    """Who is at the keyboard, as far as the system says; nothing if it cannot say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return None


@app.command()
def label(
    article_id: Annotated[
        str,
        typer.Argument(
            help="The article's id (`peacewatch articles --json`).",
            metavar="ARTICLE_ID",
            show_default=False,
        ),
    ],
    status: Annotated[
        str,
        typer.Argument(
            help="Its status, as a person reads it.", metavar="STATUS", show_default=False
        ),
    ],
    not_relevant: Annotated[
        bool,
        typer.Option("--not-relevant", help="It is not about its topic: leave it out of shifts."),
    ] = False,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Correct one article's reading; it wins at once and survives `reclassify`."""
    from crawler.store.corrections import CorrectionError, check_status, correct
    from crawler.store.db import session_scope

    try:
        check_status(status)  # before the config: a typo needs no database to be told
    except CorrectionError as exc:
        fail(str(exc), code=1)
    digits = article_id.strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) >= 2**63:
        fail(f"no article with id {article_id!r} (ids are whole numbers)", code=1)
    settings = settings_or_exit(config)
    engine = engine_or_exit(settings)
    try:
        with session_scope(engine) as session:
            data = correct(
                session,
                int(digits),
                status,
                relevant=not not_relevant,
                origin="cli",
                author=_login(),
            )
    except CorrectionError as exc:
        fail(str(exc), code=1)
    if json_output:
        emit_json(data)
        return
    relevance = "" if data["relevant"] else ", not about its topic"
    err_console.print(
        f"article {article_id}: {escape(str(data['previous_status']))} -> "
        f"{escape(status)}{relevance} (corrected; shift detection reads it on its next pass)",
        highlight=False,
    )


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
            fail(f"{path}:{number}: {_reason(exc)}")
    return rows


def _reason(exc: Exception) -> str:
    """A labelled row's fault in a line: a KeyError's text is only the key's name."""
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)


def _corrections(settings: Settings) -> list[Example]:
    """The readings people corrected (`peacewatch label`, the dashboard), as examples."""
    from sqlmodel import Session

    from crawler.status.learned.train import Example
    from crawler.store.corrections import labelled

    with Session(engine_or_exit(settings)) as session:
        return [
            Example(r["title"], r["text"] or "", r["status"], bool(r["relevant"]))
            for r in labelled(session)
        ]


def _check_corpus(folder: Path) -> None:
    """A corpus to fit on holds items in every split, or the fit has nothing to say."""
    from crawler.status import corpus

    try:
        sizes = {name: len(corpus.split(name, folder)) for name in corpus.SPLITS}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        fail(f"cannot read the corpus in {folder}: {_reason(exc)}")
    empty = [name for name, size in sizes.items() if size == 0]
    if empty:
        fail(
            f"the corpus in {folder} has no {' or '.join(empty)} items "
            f"(it needs {', '.join(f'{lang}.jsonl' for lang in corpus.LANGUAGES)} items "
            "split by week and outlet)"
        )


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
    corpus_dir: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            help="A labelled corpus in the shipped one's layout (en/ru/uk.jsonl) to fit on "
            "instead of the shipped one.",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Refit the readings on the corpus plus your corrections; keeps the better model."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        fail("training needs scikit-learn: pip install 'peacewatch[train]'")
    from crawler.status.learned.train import fit_and_save

    settings = settings_or_exit(config)
    topic = settings.topics[0]
    if corpus_dir is not None:
        _check_corpus(corpus_dir)
    corrected = _corrections(settings)
    extra = corrected + (_read_labelled(labelled) if labelled else [])
    target = out or Path(topic.classifier.model_path or f"models/{topic.name}.npz")
    scratch = Path(tempfile.mkdtemp(prefix="peacewatch-train-"))
    with err_console.status("fitting on the corpus's train split…"):
        fit_and_save(scratch / "before.npz", corpus_dir=corpus_dir)
        before = _heldout(scratch / "before.npz", corpus_dir)
    with err_console.status(f"fitting with {len(extra)} labelled item(s)…"):
        fitted = fit_and_save(scratch / "after.npz", extra=extra, corpus_dir=corpus_dir)
        after = _heldout(scratch / "after.npz", corpus_dir)
    taken = accept or after["macro_f1"] + TOLERANCE >= before["macro_f1"]
    if taken:
        with err_console.status("refitting on every item…"):
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.replace(target.with_name(target.stem + ".prev.npz"))
            fit_and_save(
                target, extra=extra, refit_on="all", heldout_fit=fitted, corpus_dir=corpus_dir
            )
    result = {
        "labelled": len(extra),
        "corrections": len(corrected),
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


def _heldout(path: Path, corpus_dir: Path | None = None) -> dict[str, float]:
    """The model at `path` on the corpus's test split, behind the default topic's gate:
    status macro-F1 (over the statuses present) and relevance precision and recall."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    from crawler.settings import TopicSettings
    from crawler.status import corpus
    from crawler.status.learned.model import LearnedReader
    from crawler.status.relevance import RelevanceGate

    reader = LearnedReader(path, tuned=None)  # the shipped encoder has seen the test split
    gate = RelevanceGate(TopicSettings(), reader)
    items = corpus.split("test", corpus_dir or corpus.HERE)
    relevant = [gate.is_relevant(i.title, i.text, i.lang) for i in items]
    predicted = [
        reader(i.title, i.text, i.lang).status if r else "none"
        for i, r in zip(items, relevant, strict=True)
    ]
    gold = [i.status for i in items]
    present = sorted(set(gold))
    truth = [i.relevant for i in items]
    return {
        "items": len(items),
        "macro_f1": round(float(f1_score(gold, predicted, labels=present, average="macro")), 4),
        "relevance_precision": round(float(precision_score(truth, relevant)), 4),
        "relevance_recall": round(float(recall_score(truth, relevant)), 4),
    }
