"""The LSH buckets in Redis: two workers share one index (skipped only without Redis)."""

from __future__ import annotations

import uuid

import pytest

from crawler.dedup.fingerprint import fingerprint
from crawler.dedup.index import MemoryIndex
from crawler.dedup.redis_index import RedisIndex
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
    assert isinstance(first.index, RedisIndex)
    fa = fingerprint(a["title"], a["text"], settings)
    first.add(7, 70, fa.signature)

    fb = fingerprint(b["title"], b["text"], settings)
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
        (i, i, fingerprint(p["a"]["title"], p["a"]["text"], settings).signature)
        for i, p in enumerate(pairs, 1)
    ]
    dedup.load(rows)
    restarted = Deduplicator(settings)
    restarted.load(rows)
    assert len(restarted) == 50
    assert restarted.index.present() == set(range(1, 51))


def test_redis_and_memory_indexes_propose_the_same_candidates(settings) -> None:
    pairs = load_pairs(PAIRS)
    shared, memory = RedisIndex(settings), MemoryIndex(settings)
    rows = [
        (i, fingerprint(p["a"]["title"], p["a"]["text"], settings).signature)
        for i, p in enumerate(pairs, 1)
    ]
    shared.insert_many(rows[:100])
    memory.insert_many(rows[:100])
    for article_id, signature in rows[100:]:
        shared.insert(article_id, signature)
        memory.insert(article_id, signature)
    shared.remove([3, 200])
    memory.remove([3, 200])
    for p in pairs:
        signature = fingerprint(p["b"]["title"], p["b"]["text"], settings).signature
        assert sorted(shared.query(signature)) == memory.query(signature)
