"""Dedup at scale: signatures/s, query latency, peak memory, index rebuild from SQLite.

    python tests/bench/bench_dedup.py [--n 100000] [--queries 10000] [--words 300]

Inserts N synthetic articles (Zipf-distributed words, so texts share common words
as news does), queries 10,000 more of which a tenth are edited copies, then stores the
N signatures in a real SQLite database and times a fresh `Ingestor` rebuilding its
index from them. `--n 1000000` runs the 1M case.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from datasketch import MinHash
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parents[2]))

from crawler.dedup.fingerprint import fingerprint, shingle_hashes, words
from crawler.dedup.story import Deduplicator
from crawler.settings import DedupSettings, TopicSettings
from crawler.store.db import session_scope
from crawler.store.ingest import Ingestor
from crawler.store.tables import Article, Story
from scheduler.database import open_database


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Corpus:
    def __init__(self, n_words: int, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = np.array([f"w{i}" for i in range(50_000)])
        weights = 1 / (np.arange(50_000) + 10.0)  # Zipf-like, as news words are
        self.cdf = np.cumsum(weights / weights.sum())
        self.n_words = n_words

    def article(self) -> tuple[str, str]:
        ids = np.searchsorted(self.cdf, self.rng.random(self.n_words))
        tokens = self.vocab[np.minimum(ids, 49_999)].tolist()
        paragraphs = [" ".join(tokens[i : i + 50]) + "." for i in range(0, len(tokens), 50)]
        return " ".join(tokens[:8]), "\n\n".join(paragraphs)

    def copy(self, title: str, body: str) -> tuple[str, str]:
        """Trim a tenth off the end and add a new opening sentence: a syndicated copy."""
        paragraphs = body.split("\n\n")
        return "New headline " + title, "\n\n".join(["Local intro here.", *paragraphs[:-1]])


def compare_minhash(corpus: Corpus, settings: DedupSettings) -> None:
    docs = [corpus.article() for _ in range(500)]
    t = time.perf_counter()
    for title, body in docs:
        fingerprint(title, body, settings)
    ours = len(docs) / (time.perf_counter() - t)
    t = time.perf_counter()
    for title, body in docs:
        tokens = words(f"{title}\n{body}")
        shingles = {" ".join(tokens[i : i + 3]).encode() for i in range(len(tokens) - 2)}
        m = MinHash(num_perm=settings.num_perm)
        m.update_batch(list(shingles))
    plain = len(docs) / (time.perf_counter() - t)
    t = time.perf_counter()
    sets = []
    for title, body in docs:
        tokens = words(f"{title}\n{body}")
        sets.append({" ".join(tokens[i : i + 3]).encode() for i in range(len(tokens) - 2)})
    MinHash.bulk(sets, num_perm=settings.num_perm)
    bulk = len(docs) / (time.perf_counter() - t)
    t = time.perf_counter()
    for title, body in docs:
        shingle_hashes(title, body, settings.shingle)
    shingling = len(docs) / (time.perf_counter() - t)
    print(
        f"MinHash per document ({corpus.n_words} words): ours (crc32 words + shared "
        f"permutations) {ours:,.0f}/s | datasketch sha1 update_batch {plain:,.0f}/s | "
        f"MinHash.bulk {bulk:,.0f}/s | shingling alone {shingling:,.0f}/s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=300)
    args = parser.parse_args(argv)
    settings = DedupSettings()
    corpus = Corpus(args.words)
    compare_minhash(corpus, settings)

    dedup = Deduplicator(settings)
    texts: dict[int, tuple[str, str]] = {}
    signatures: list[bytes] = []
    base_rss = rss_mb()
    fp_time = add_time = 0.0
    for i in range(1, args.n + 1):
        title, body = corpus.article()
        t0 = time.perf_counter()
        fp = fingerprint(title, body, settings)
        t1 = time.perf_counter()
        dedup.add(i, i, fp.signature)
        add_time += time.perf_counter() - t1
        fp_time += t1 - t0
        texts[i] = (title, body)
        signatures.append(fp.signature)
    print(
        f"insert {args.n:,}: {args.n / fp_time:,.0f} signatures/s, "
        f"{args.n / add_time:,.0f} index inserts/s, {fp_time + add_time:.1f} s"
    )
    index_rss = rss_mb()

    latencies, found, copies = [], 0, 0
    for q in range(args.queries):
        if q % 10 == 0:
            title, body = corpus.copy(*texts[1 + (q * 7919) % args.n])
            copies += 1
        else:
            title, body = corpus.article()
        t0 = time.perf_counter()
        fp = fingerprint(title, body, settings)
        story = dedup.find_story(fp, lambda ids: {i: texts[i] for i in ids})
        latencies.append(time.perf_counter() - t0)
        found += story is not None
    latencies.sort()
    p50 = statistics.median(latencies) * 1e3
    p99 = latencies[int(len(latencies) * 0.99)] * 1e3
    print(
        f"query {args.queries:,} (fingerprint + LSH + exact check): p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms; {found} joined a story ({copies} were copies)"
    )
    print(
        f"peak RSS {index_rss:,.0f} MB after indexing (+{index_rss - base_rss:,.0f} MB over "
        f"the corpus generator; texts held by the benchmark are included)"
    )
    texts.clear()

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/bench.db")
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            for start in range(0, args.n, 20_000):
                ids = range(start + 1, min(start + 20_000, args.n) + 1)
                session.execute(
                    insert(Story),
                    [{"id": i, "topic": "t", "first_seen": now, "last_seen": now} for i in ids],
                )
                session.execute(
                    insert(Article),
                    [
                        {
                            "id": i,
                            "url": f"https://example.org/{i}",
                            "original_url": f"https://example.org/{i}",
                            "outlet": "example.org",
                            "title": "",
                            "summary": "",
                            "text": "",
                            "topic": "t",
                            "content_hash": f"{i:064x}",
                            "minhash": signatures[i - 1],
                            "story_id": i,
                            "published": now,
                            "fetched": now,
                            "evidence": [],
                        }
                        for i in ids
                    ],
                )
        print(f"stored {args.n:,} signatures in SQLite in {time.perf_counter() - t0:.1f} s")
        before = rss_mb()
        ingestor = Ingestor([TopicSettings()], settings)
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            ingestor.refresh_index(session)
        rebuild = time.perf_counter() - t0
        print(
            f"rebuild: a fresh Ingestor indexed {len(ingestor.dedup):,} stored signatures in "
            f"{rebuild:.2f} s ({len(ingestor.dedup) / rebuild:,.0f}/s); peak RSS {rss_mb():,.0f} "
            f"MB (was {before:,.0f})"
        )


if __name__ == "__main__":
    main()
