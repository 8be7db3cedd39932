"""Which reader a topic uses: the learned model, the rules, or a chat-completions model.

Kept apart from the backends so that none of them imports another. Every backend
reads (title, text) into a `Classification`; the relevance gate beside the status
reader is built here too, so both use the same model file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from crawler.model import Classifier
from crawler.settings import TopicSettings
from crawler.status.lexicon import load_lexicon
from crawler.status.relevance import RelevanceGate
from crawler.status.rules import RulesClassifier

if TYPE_CHECKING:
    from crawler.status.learned.model import LearnedReader


def rules_for(topic: TopicSettings) -> RulesClassifier:
    """The rules classifier with the topic's lexicon merged over the default."""
    return RulesClassifier(load_lexicon(topic.classifier.lexicon))


def reader_for(topic: TopicSettings) -> LearnedReader:
    """The topic's model (its `model_path`, else the shipped one), loaded once."""
    from crawler.status.learned.model import load_reader

    return load_reader(topic.classifier.model_path)


def make_classifier(topic: TopicSettings) -> Classifier:
    """The backend `topic.classifier` asks for; the LLM one falls back to the model."""
    backend = topic.classifier.backend
    if backend == "rules":
        return rules_for(topic)
    model = reader_for(topic)
    if backend == "llm":
        from crawler.status.llm import LLMClassifier

        return LLMClassifier(topic.classifier, fallback=model)
    return model


def preload(topic: TopicSettings) -> None:
    """Load what the topic's status reading may need later, the fine-tuned encoder
    included, so that a long-running process pays for it at start."""
    if topic.classifier.backend != "rules":
        reader_for(topic).preload()


def make_classifiers(topics: Iterable[TopicSettings]) -> dict[str, Classifier]:
    """Per topic name, its classifier: what `Ingestor(classifiers=...)` takes."""
    return {topic.name: make_classifier(topic) for topic in topics}


def make_gate(topic: TopicSettings) -> RelevanceGate:
    """The topic's relevance gate, with its model when relevance is the model's."""
    return RelevanceGate(topic, reader_for(topic) if topic.relevance_by == "model" else None)
