"""Imported by the fork server (`workers.PRELOAD`), so that every worker forks with the
default topic's readers ready: the n-gram model, its gate and its compiled lexicon, which
each worker otherwise loaded and warmed for itself on its first feed or page (~0.1-0.25 s
of CPU a worker). The fine-tuned encoder is not loaded here: ONNX Runtime's thread pools
do not survive a fork, so a worker makes its own session when it first needs one."""

from __future__ import annotations

import contextlib

from crawler.settings import TopicSettings
from crawler.status.backend import make_classifier, make_gate


def _warm() -> None:
    topic = TopicSettings()
    title, text = "Ukraine peace talks resume in Geneva", "Delegations met on Tuesday."
    make_gate(topic).score(title, text, "en")
    make_classifier(topic)(title, text, "en")


with contextlib.suppress(Exception):  # a worker then loads what it needs itself
    _warm()
