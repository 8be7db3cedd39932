"""The LLM backend against a real local server speaking chat-completions."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crawler.settings import ClassifierSettings, TopicSettings
from crawler.status.backend import make_classifier
from crawler.status.learned.model import load_reader
from crawler.status.llm import LLMClassifier, LLMError, parse_answer
from crawler.status.rules import classify

KEY = "sk-test-secret-4f9a7c"
TITLE = "Russia and Ukraine hold talks in Istanbul"
TEXT = "Delegations met on Friday. The Kremlin said the talks would continue."
GOOD = {"status": "ongoing", "confidence": 0.8, "evidence": ["Delegations met on Friday."]}


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    mode = "good"
    requests: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: ChatServer

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        self.server.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        mode = self.server.mode
        if mode == "slow":
            time.sleep(1.5)
        if mode == "500":
            self._send(500, {"error": "boom"})
            return
        content = {
            "good": json.dumps(GOOD),
            "slow": json.dumps(GOOD),
            "malformed": "The talks are ongoing, I think.",
            "bad_status": json.dumps({**GOOD, "status": "peace"}),
            "invented": json.dumps({**GOOD, "evidence": ["Putin and Zelensky signed a deal."]}),
            "extra_key": json.dumps({**GOOD, "reasoning": "because"}),
        }[mode]
        self._send(200, {"choices": [{"message": {"role": "assistant", "content": content}}]})

    def _send(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up waiting: that is the point of the test
            pass


@pytest.fixture
def server() -> Iterator[ChatServer]:
    httpd = ChatServer(("127.0.0.1", 0), Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def topic_for(server: ChatServer, timeout: str = "5s") -> TopicSettings:
    return TopicSettings.model_validate(
        {
            "classifier": {
                "backend": "llm",
                "base_url": f"http://127.0.0.1:{server.server_address[1]}/v1",
                "model": "tiny-test-model",
                "api_key_env": "PW_TEST_LLM_KEY",
                "timeout": timeout,
            }
        }
    )


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_LLM_KEY", KEY)


def test_a_good_answer_is_used(server: ChatServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    verdict = make_classifier(topic_for(server))(TITLE, TEXT)
    assert (verdict.status, verdict.confidence, verdict.evidence) == (
        "ongoing",
        0.8,
        ["Delegations met on Friday."],
    )
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == f"Bearer {KEY}"
    assert sent["body"]["model"] == "tiny-test-model"
    assert TITLE in sent["body"]["messages"][-1]["content"]
    assert KEY not in caplog.text


@pytest.mark.parametrize("mode", ["malformed", "500", "bad_status", "invented", "extra_key"])
def test_any_bad_answer_falls_back_to_the_local_reader(
    server: ChatServer, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    caplog.set_level(logging.DEBUG)
    server.mode = mode
    title = "Ukraine peace talks collapse in Geneva"
    verdict = make_classifier(topic_for(server))(title, TEXT)
    assert verdict == load_reader()(title, TEXT)
    assert verdict.status != "none" and verdict.evidence
    assert "using the local reader" in caplog.text
    assert KEY not in caplog.text
    assert len(server.requests) == 1


def test_a_timeout_falls_back_quickly(server: ChatServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.mode = "slow"
    started = time.monotonic()
    verdict = make_classifier(topic_for(server, timeout="0.3s"))("Ukraine talks stall", "")
    assert time.monotonic() - started < 1.4
    assert verdict.status == "stalled"
    assert "no answer within 0.3s" in caplog.text
    assert KEY not in caplog.text


def test_unreachable_endpoint_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    settings = ClassifierSettings.model_validate(
        {"backend": "llm", "base_url": "http://127.0.0.1:9/v1", "model": "m", "timeout": "1s"}
    )
    verdict = LLMClassifier(settings, fallback=classify)("Ukraine talks collapse", "")
    assert verdict.status == "collapsed"
    assert "request failed" in caplog.text


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"status": "ongoing", "confidence": 1.5, "evidence": []}',
        '{"status": "ongoing", "confidence": true, "evidence": []}',
        '{"status": "ongoing", "confidence": 0.5, "evidence": "Delegations met."}',
        '{"status": "ongoing", "confidence": 0.5, "evidence": []}',
    ],
)
def test_strict_validation(content: str) -> None:
    with pytest.raises(LLMError):
        parse_answer(content, TEXT)


def test_none_needs_no_evidence_and_fences_are_tolerated() -> None:
    answer = '```json\n{"status": "none", "confidence": 0.9, "evidence": []}\n```'
    assert parse_answer(answer, TEXT).status == "none"


def test_llm_backend_needs_endpoint_and_model() -> None:
    with pytest.raises(ValueError, match="needs base_url and model"):
        ClassifierSettings.model_validate({"backend": "llm"})
