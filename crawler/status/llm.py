"""A second status backend: an OpenAI-compatible chat-completions model.

Some users have a model that reads nuance better than rules. It must never make
peacewatch worse: any failure (no key, timeout, HTTP error, an answer that is not
exactly the JSON we asked for, evidence the article does not contain) falls back to
the rules classifier, and the reason is logged. The API key is read from the
environment variable the config names, sent only in the Authorization header, and
never logged.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import httpx

from crawler.model import STATUSES, Classification, Classifier
from crawler.settings import ClassifierSettings

log = logging.getLogger(__name__)

MAX_ARTICLE_CHARS = 12_000
MAX_EVIDENCE = 5
SYSTEM_PROMPT = f"""You read one news article and report what it says about the state of
the watched peace talks. Answer with one JSON object and nothing else:
{{"status": S, "confidence": C, "evidence": [E, ...]}}
S is exactly one of: {", ".join(STATUSES)}.
  none: no talks status reported; proposed: talks or a plan called for, offered, put forward;
  scheduled: a meeting agreed, date or venue set; ongoing: talks under way or held, no
  outcome; progress: constructive, partial deals such as prisoner swaps, close to a deal;
  stalled: deadlock, impasse, no breakthrough; collapsed: broke down, walked out, suspended,
  called off; ceasefire: a ceasefire or truce agreed or in force (full or partial);
  agreement: a peace deal, framework or formal accord signed or reached.
Negated, hoped-for, demanded, hypothetical or historical events do not count, nor do
other conflicts' ceasefires. C is a number from 0 to 1. Each E is a sentence copied
verbatim from the article that decided S, strongest first, at most {MAX_EVIDENCE}."""


class LLMError(Exception):
    """Why the model's answer was not used (never contains the API key)."""


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def parse_answer(content: str, article: str) -> Classification:
    """The model's JSON answer, validated strictly; LLMError if anything is off."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMError(f"answer is not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or set(data) != {"status", "confidence", "evidence"}:
        raise LLMError("answer must be an object with exactly status, confidence, evidence")
    status, confidence, evidence = data["status"], data["confidence"], data["evidence"]
    if status not in STATUSES:
        raise LLMError(f"unknown status {str(status)[:40]!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise LLMError("confidence is not a number")
    if not 0.0 <= float(confidence) <= 1.0:
        raise LLMError("confidence outside [0, 1]")
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise LLMError("evidence is not a list of strings")
    if len(evidence) > MAX_EVIDENCE:
        raise LLMError("too many evidence sentences")
    haystack = _squash(article)
    for sentence in evidence:
        if not sentence.strip() or _squash(sentence) not in haystack:
            raise LLMError("evidence sentence not found in the article")
    if status != "none" and not evidence:
        raise LLMError("no evidence for a status")
    return Classification(status, round(float(confidence), 3), [e.strip() for e in evidence])


class LLMClassifier:
    """Classifies through a chat-completions endpoint, falling back to `fallback`."""

    def __init__(
        self,
        settings: ClassifierSettings,
        fallback: Classifier,
        client: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self.fallback = fallback
        self._client = client

    def __call__(self, title: str, text: str, language: str | None = None) -> Classification:
        try:
            return self.ask(title, text)
        except LLMError as exc:
            log.warning("LLM classifier failed, using the local reader: %s", exc)
        return self.fallback(title, text, language)

    def _endpoint(self) -> str:
        if self.settings.base_url is None:
            raise LLMError("classifier.base_url is not set")
        return str(self.settings.base_url).rstrip("/") + "/chat/completions"

    def ask(self, title: str, text: str) -> Classification:
        """The model's verdict; raises LLMError instead of returning a doubtful one."""
        key = os.environ.get(self.settings.api_key_env, "")
        if not self.settings.model:
            raise LLMError("classifier.model is not set")
        url = self._endpoint()
        article = f"{title}\n\n{text[:MAX_ARTICLE_CHARS]}"
        body: dict[str, Any] = {
            "model": self.settings.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": article},
            ],
        }
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        timeout = self.settings.timeout.total_seconds()
        try:
            if self._client is not None:
                response = self._client.post(url, json=body, headers=headers, timeout=timeout)
            else:
                with httpx.Client(timeout=timeout, follow_redirects=False) as client:
                    response = client.post(url, json=body, headers=headers)
        except httpx.TimeoutException:
            raise LLMError(f"no answer within {timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise LLMError(f"request failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise LLMError(f"HTTP {response.status_code} from the model endpoint")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError("response is not a chat completion") from None
        if not isinstance(content, str):
            raise LLMError("completion has no text content")
        return parse_answer(content, article)
