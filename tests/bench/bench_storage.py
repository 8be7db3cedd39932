"""Storage: articles/s through the ingest path on SQLite and PostgreSQL, and the SQL
statements each article costs.

Run: python tests/bench/bench_storage.py [--articles 5000] [--batch 100]
     [--postgres postgresql+psycopg://postgres@127.0.0.1/test]

Lookups are batched per feed batch (known URLs, content hashes, index refresh) and so
are writes: new stories and articles go in with one INSERT .. RETURNING each, on
both backends, older stories' counts with one UPDATE. PostgreSQL runs when the URL
answers (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.model import Candidate
from crawler.settings import TopicSettings
from crawler.store.db import normalise_url, session_scope
from crawler.store.ingest import Ingestor
from scheduler.database import open_database

PLACES = ["Geneva", "Istanbul", "Riyadh", "Abu Dhabi", "Vienna", "Minsk", "Doha", "Jeddah"]


def candidates(n: int, seed: int = 0) -> list[Candidate]:
    start = datetime(2025, 5, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        place = PLACES[(i + seed) % len(PLACES)]
        out.append(
            Candidate(
                url=f"https://outlet{i % 50}.example.com/news/{seed}-{i}.html",
                title=f"Ukraine and Russia negotiators meet in {place}, round {seed}-{i}",
                summary=(
                    f"Delegations from Kyiv and Moscow met in {place} on day {i} for talks on "
                    f"prisoner exchanges and a ceasefire; report number {seed}-{i} says the "
                    f"mediators expect another meeting after consultations in both capitals."
                ),
                topic="russia-ukraine-talks",
                published=start + timedelta(minutes=i),
            )
        )
    return out


def measure(url: str, n: int, batch: int) -> tuple[float, float]:
    engine = open_database(url)
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    ingestor = Ingestor([TopicSettings()])
    rows = candidates(n)
    started = time.perf_counter()
    for i in range(0, n, batch):
        with session_scope(engine) as session:
            ingestor.ingest(session, rows[i : i + batch])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return n / elapsed, statements / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rate, per = measure(f"sqlite:///{tmp}/bench.db", args.articles, args.batch)
        print(f"SQLite:     {rate:8.0f} articles/s  {per:.2f} SQL statements per article")
    base = make_url(normalise_url(args.postgres))
    name = f"pw_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL: skipped ({type(exc).__name__})")
        return
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        rate, per = measure(url, args.articles, args.batch)
        print(f"PostgreSQL: {rate:8.0f} articles/s  {per:.2f} SQL statements per article")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
