"""The shared index through a whole Redis outage, on the one ingest path (issue 18).

Redis goes down between batches: ingest goes on with an in-memory index of every
stored article and says so. Redis comes back empty: after the retry delay ingest
rebuilds the shared index from the database, every article written meanwhile
included, and a copy of an article stored before the outage still joins its story.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.dedup.redis_index import RedisIndex
from crawler.settings import DedupSettings, TopicSettings
from crawler.store.ingest import Ingestor
from crawler.store.migrate import open_database
from tests.dedup.test_dedup_ingest import candidate, ingest, restyled_ap, seed
from tests.redis_server import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


def test_ingest_survives_a_redis_outage_and_rejoins_a_rebuilt_index(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    engine = open_database(f"sqlite:///{tmp_path}/t.db")
    settings = DedupSettings(redis_url=redis_server.url)
    ingestor = Ingestor([TopicSettings()], settings)
    ingestor.index.retry_after = 0.5

    ap_title, ap_text = seed("ap-")
    first = ingest(engine, ingestor, candidate("https://apnews.example/a", ap_title, ap_text))
    assert first.new_articles == 1 and first.notes == []
    assert redis_server.keys() > 0

    redis_server.kill()
    nd_title, nd_text = seed("nishadil")
    during = ingest(engine, ingestor, candidate("https://nishadil.example/n", nd_title, nd_text))
    assert during.new_articles == 1
    (note,) = during.notes
    assert f"Redis at 127.0.0.1:{redis_server.port} is unavailable" in note
    assert "in-memory index of the 1 article stored" in note

    redis_server.start()  # empty: it kept nothing on disk
    time.sleep(0.6)
    title, text = restyled_ap()
    after = ingest(engine, ingestor, candidate("https://courier.example/c", title, text))
    assert after.near_duplicates == 1 and after.story_ids == first.story_ids
    (note,) = after.notes
    assert note.startswith(f"Redis at 127.0.0.1:{redis_server.port} is back")
    assert isinstance(ingestor.dedup.index, RedisIndex)
    ids = first.article_ids + during.article_ids + after.article_ids
    assert ingestor.dedup.index.present() == set(ids)
