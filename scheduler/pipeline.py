"""Assembling the pipeline from settings: the one place that wires the packages."""

from __future__ import annotations

from crawler.store.ingest import Ingestor
from scheduler.config import Settings


def build_ingestor(settings: Settings) -> Ingestor:
    """An ingestor with each topic's configured classifier and the dedup settings."""
    return Ingestor(settings.topics, settings.dedup)
