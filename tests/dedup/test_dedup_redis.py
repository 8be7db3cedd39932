"""The LSH buckets in Redis: two workers share one index (skipped only without Redis)."""

from __future__ import annotations

import uuid

import pytest

from crawler.dedup.story import Deduplicator
from crawler.settings import DedupSettings
from tests.eval.dedup import PAIRS, load_pairs

redis = pytest.importorskip("redis")
URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def settings():
    client = redis.Redis.from_url(URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    prefix = f"peacewatch-test-{uuid.uuid4().hex}"
    yield DedupSettings(redis_url=URL, redis_prefix=prefix)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def test_a_second_worker_finds_copies_indexed_by_the_first(settings) -> None:
    pair = next(p for p in load_pairs(PAIRS) if p["kind"] == "copy:boilerplate+headline")
    a, b = pair["a"], pair["b"]
    first, second = Deduplicator(settings), Deduplicator(settings)
    fa = first.fingerprint(a["title"], a["text"])
    first.add(7, 70, fa.signature)

    fb = second.fingerprint(b["title"], b["text"])
    assert second.candidates(fb) == [7]  # in Redis, not in this process
    second.load([(7, 70, fa.signature)])  # the refresh from the database: no re-insert
    assert second.find_story(fb, lambda ids: {7: (a["title"], a["text"])}) == 70
    assert len(second) == 1

    second.remove([7])
    assert first.candidates(fb) == []


def test_restart_on_a_filled_redis_index_skips_what_is_there(settings) -> None:
    pairs = load_pairs(PAIRS)[:50]
    dedup = Deduplicator(settings)
    rows = [
        (i, i, dedup.fingerprint(p["a"]["title"], p["a"]["text"]).signature)
        for i, p in enumerate(pairs, 1)
    ]
    dedup.load(rows)
    restarted = Deduplicator(settings)
    restarted.load(rows)
    assert len(restarted) == 50
    assert len(list(restarted._lsh.keys)) == 50
