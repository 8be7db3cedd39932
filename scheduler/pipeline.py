"""Assembling the pipeline from settings: the one place that wires the packages."""

from __future__ import annotations

from crawler.ingest import Ingestor
from crawler.status import Classification
from scheduler.config import Settings


def build_ingestor(settings: Settings) -> Ingestor:
    """An ingestor with each topic's configured classifier."""
    classifiers = {}
    try:
        from crawler.status import make_classifier  # type: ignore[attr-defined]
    except ImportError:
        make_classifier = None
    if make_classifier is not None:
        classifiers = {t.name: make_classifier(t) for t in settings.topics}
    return Ingestor(settings.topics, settings.dedup, classifiers)


__all__ = ["Classification", "build_ingestor"]
