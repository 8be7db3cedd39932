"""Which reader a topic uses: the rules, or a chat-completions model falling back to them.

Kept apart from both backends so that neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.model import Classifier
from crawler.settings import TopicSettings
from crawler.status.lexicon import load_lexicon
from crawler.status.rules import RulesClassifier


def rules_for(topic: TopicSettings) -> RulesClassifier:
    """The rules classifier with the topic's lexicon merged over the default."""
    return RulesClassifier(load_lexicon(topic.classifier.lexicon))


def make_classifier(topic: TopicSettings) -> Classifier:
    """The backend `topic.classifier` asks for; the LLM one falls back to the rules."""
    rules = rules_for(topic)
    if topic.classifier.backend == "llm":
        from crawler.status.llm import LLMClassifier

        return LLMClassifier(topic.classifier, fallback=rules)
    return rules


def make_classifiers(topics: Iterable[TopicSettings]) -> dict[str, Classifier]:
    """Per topic name, its classifier: what `Ingestor(classifiers=...)` takes."""
    return {topic.name: make_classifier(topic) for topic in topics}
