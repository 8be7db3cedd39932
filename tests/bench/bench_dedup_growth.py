"""Dedup growth: per-article ingest cost at 0, 10k, 50k and 100k stored same-topic articles.

    python tests/bench/bench_dedup_growth.py [--sizes 0 10000 50000 100000]
        [--backends sqlite postgresql] [--rounds 7] [--batch 20]

What a topic monitor stores is same-topic text, so the stored articles are built from
the shipped corpus (`crawler/status/corpus/*.jsonl`, real headlines and ledes):
each generated article takes a real headline and lede, recombines sentences of other
real ledes into its body (a background sentence about the war is shared by many), and
a third are feed summaries (headline and lede alone), half the pages share facts and
quotes with rival reports of the same event (about 30 articles an event), half carry their
outlet's furniture, a quarter are edited copies of an earlier one (a paragraph cut or
added, words changed, a new headline), which must join its story, and some are
follow-ups reusing half of an earlier report's paragraphs, which must not.
Random-word corpora hide the growth: their articles share no shingles.

One database per size and backend is filled in bulk (stories, articles with text and
signatures), a fresh `Ingestor` rebuilds its index from it, and then rounds of probe
batches (new articles and copies of stored ones) go through the real `Ingestor.ingest`
at each size in turn, each rolled back, so every size sees the same probes and the
sizes are interleaved. Each batch is first analysed as a crawl's worker does
(`gate_entries`: relevance, fingerprint and status), timed apart, since reading the
status (the fine-tuned encoder's milliseconds) costs the same at every size and would
hide the growth; the figure is the median over rounds of CPU time
(`time.process_time`) per probe article of the ingest that follows; its wall time,
which holds the database server's work too, is printed beside it. PostgreSQL is the
local server (`PEACEWATCH_BENCH_PG`, default postgres@127.0.0.1:5432); a scratch
database is made and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, make_url, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.analysis import gate_entries
from crawler.dedup.fingerprint import fingerprint
from crawler.model import Candidate
from crawler.settings import DedupSettings, TopicSettings
from crawler.store.ingest import Ingestor
from crawler.store.migrate import open_database
from crawler.store.tables import Article, Story
from tests.eval.dedup_texts import BOILERPLATES

CORPUS = Path(__file__).resolve().parents[2] / "crawler" / "status" / "corpus"
PG = os.environ.get("PEACEWATCH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = datetime(2022, 1, 1, tzinfo=UTC)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Doc:
    title: str
    text: str
    story: int
    published: datetime


class Generator:
    """Same-topic articles from real headlines and ledes, recombined and edited."""

    def __init__(self, seed: int = 5, pool: int = 0) -> None:
        self.rng = random.Random(seed)
        self.items: list[tuple[str, str]] = []
        for path in sorted(CORPUS.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    if item.get("title") and item.get("text"):
                        self.items.append((item["title"], item["text"]))
        self.sentences = [s for _, t in self.items for s in _SENTENCE.split(t) if len(s) > 40]
        if pool:  # a narrower topic: bodies recombine only this many real sentences
            self.sentences = self.sentences[:pool]
        # Background sentences many reports repeat ("the war began in February 2022").
        self.background = self.rng.sample(self.sentences, 40)
        self.event: list[str] = []
        self.event_left = 0

    def article(self, story: int, published: datetime, outlet: int = 0) -> Doc:
        """A report: a real headline and lede; a third are feed summaries of just that,
        the rest recombine other ledes into a body, half with facts shared by rival
        reports of the current event, many with background sentences and the outlet's
        page furniture (`tests.eval.dedup_texts.BOILERPLATES`)."""
        rng = self.rng
        title, lede = rng.choice(self.items)
        if rng.random() < 0.33:
            return Doc(title, lede, story, published)
        body = [lede, *rng.sample(self.sentences, rng.randint(4, 9))]
        if self.event_left <= 0:  # the day's next event: facts and quotes rivals share
            self.event, self.event_left = rng.sample(self.sentences, 6), 30
        self.event_left -= 1
        if rng.random() < 0.5:
            body[1:1] = rng.sample(self.event, rng.randint(2, 3))
        for _ in range(rng.randint(0, 2)):
            body.insert(rng.randint(1, len(body)), rng.choice(self.background))
        paragraphs = ["  ".join(body[i : i + 2]) for i in range(0, len(body), 2)]
        if rng.random() < 0.5:
            top, bottom = BOILERPLATES[outlet % len(BOILERPLATES)]
            paragraphs = [*top, *paragraphs, *bottom]
        return Doc(title, "\n\n".join(paragraphs), story, published)

    def follow_up(self, doc: Doc, story: int, published: datetime) -> Doc:
        """The next report on a running event: a new headline and lede, and about half
        of the earlier report's paragraphs reused (a different story)."""
        rng = self.rng
        title, lede = rng.choice(self.items)
        old = doc.text.split("\n\n")
        kept = [p for p in old if rng.random() < 0.5]
        new = ["  ".join(rng.sample(self.sentences, 2)) for _ in range(max(2, len(kept)))]
        return Doc(title, "\n\n".join([lede, *new, *kept]), story, published)

    def copy(self, doc: Doc, published: datetime) -> Doc:
        """A syndicated or edited copy: a paragraph cut or added, words changed."""
        rng = self.rng
        paragraphs = doc.text.split("\n\n")
        if len(paragraphs) > 3 and rng.random() < 0.5:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        if rng.random() < 0.3:
            paragraphs.insert(0, rng.choice(self.sentences))
        words = "\n\n".join(paragraphs).split(" ")
        for _ in range(rng.randint(0, 4) if len(words) > 60 else 0):
            words[rng.randrange(len(words))] = rng.choice(["said", "reported", "officials", "on"])
        title = doc.title if rng.random() < 0.5 else rng.choice(self.items)[0]
        return Doc(title, " ".join(words), doc.story, published)

    def stream(self, n: int, per_day: int = 60) -> list[Doc]:
        """n stored articles, about `per_day` a day: a quarter copies of a recent one,
        some follow-ups of one, the rest new reports."""
        docs: list[Doc] = []
        for i in range(n):
            published = START + timedelta(days=i / per_day)
            draw = self.rng.random()
            recent = docs[-self.rng.randint(1, min(len(docs), 200))] if docs else None
            if recent is not None and draw < 0.25:
                docs.append(self.copy(recent, published))
            elif recent is not None and draw < 0.4:
                docs.append(self.follow_up(recent, i + 1, published))
            else:
                docs.append(self.article(i + 1, published, i % 97))
        return docs


def fill(engine: Engine, docs: list[Doc], settings: DedupSettings) -> None:
    """Store `docs` in bulk as ingest would have: stories, then articles with signatures."""
    topic = TopicSettings().name
    fetched = datetime.now(UTC)
    with Session(engine) as session:
        stories = sorted({d.story for d in docs})
        for start in range(0, len(stories), 20_000):
            session.execute(
                insert(Story),
                [
                    {"id": s, "topic": topic, "first_seen": START, "last_seen": START}
                    for s in stories[start : start + 20_000]
                ],
            )
        for start in range(0, len(docs), 5_000):
            rows = []
            for i, d in enumerate(docs[start : start + 5_000], start + 1):
                fp = fingerprint(d.title, d.text, settings)
                url = f"https://outlet{i % 97}.example/{i}"
                rows.append(
                    {
                        "id": i,
                        "url": url,
                        "original_url": url,
                        "outlet": f"outlet{i % 97}.example",
                        "topic": topic,
                        "title": d.title,
                        "summary": "",
                        "text": d.text,
                        "text_source": "page",
                        "content_hash": fp.content_hash,
                        "minhash": fp.signature,
                        "story_id": d.story,
                        "published": d.published,
                        "fetched": fetched,
                        "evidence": [],
                    }
                )
            session.execute(insert(Article), rows)
        session.commit()
        if engine.dialect.name == "postgresql":
            for table in ("stories", "articles"):
                session.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
            session.commit()
            # As autovacuum would have by then: with no statistics the planner reads the
            # whole table for the index's refresh (`id > last`), 20-30 ms at 50k.
            session.execute(text("ANALYZE"))
            session.commit()


def probes(gen: Generator, stored: list[Doc], rounds: int, batch: int) -> list[list[Candidate]]:
    """Per round, a feed-sized batch: mostly new reports, some copies of stored ones."""
    topic = TopicSettings().name
    out = []
    end = stored[-1].published if stored else START
    for r in range(rounds):
        cands = []
        for k in range(batch):
            published = end + timedelta(minutes=r * batch + k)
            recent = stored[-gen.rng.randint(1, min(len(stored), 500))] if stored else None
            if recent is not None and k % 4 == 0:
                doc = gen.copy(recent, published)
            elif recent is not None and k % 4 == 1:
                doc = gen.follow_up(recent, 0, published)
            else:
                doc = gen.article(0, published, k)
            url = f"https://probe.example/{r}/{k}/{uuid.uuid4().hex[:8]}"
            cands.append(
                Candidate(url=url, title=doc.title, topic=topic, text=doc.text, published=published)
            )
        out.append(cands)
    return out


def scratch_pg() -> tuple[str, Engine]:
    admin = create_engine(make_url(PG), isolation_level="AUTOCOMMIT")
    name = f"pw_bench_growth_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name, admin


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 50_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument(
        "--pool", type=int, default=0, help="recombine only this many sentences (0: all)"
    )
    args = parser.parse_args(argv)
    settings = DedupSettings()
    gen = Generator(pool=args.pool)
    t0 = time.perf_counter()
    corpus = gen.stream(max(args.sizes))
    print(
        f"{len(gen.items)} corpus items, {len(gen.sentences)} sentences; generated "
        f"{len(corpus):,} stored articles in {time.perf_counter() - t0:.1f} s"
    )
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            dbs: list[tuple[int, Engine]] = []
            cleanup: list[str] = []
            admin = None
            for size in args.sizes:
                if backend == "sqlite":
                    url = f"sqlite:///{tmp}/growth{size}.db"
                else:
                    name, admin = scratch_pg()
                    cleanup.append(name)
                    url = make_url(PG).set(database=name).render_as_string(hide_password=False)
                engine = open_database(url)
                t1 = time.perf_counter()
                fill(engine, corpus[:size], settings)
                print(f"  {backend}: stored {size:,} in {time.perf_counter() - t1:.0f} s")
                dbs.append((size, engine))
            try:
                run(backend, dbs, gen, corpus, settings, args.rounds, args.batch)
            finally:
                for _, engine in dbs:
                    engine.dispose()
                if admin is not None:
                    with admin.connect() as conn:
                        for name in cleanup:
                            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                    admin.dispose()


def run(
    backend: str,
    dbs: list[tuple[int, Engine]],
    gen: Generator,
    corpus: list[Doc],
    settings: DedupSettings,
    rounds: int,
    batch: int,
) -> None:
    """Interleaved rounds: each size ingests the same probe batch, rolled back after."""
    ingestors = []
    for size, engine in dbs:
        ingestor = Ingestor([TopicSettings()], settings)
        with Session(engine) as session:
            ingestor.refresh_index(session)
        ingestors.append(ingestor)
        # A warm-up batch at each size, not timed (first queries, caches).
        stored = corpus[:size]
        warm = probes(gen, stored, 1, batch)[0]
        with Session(engine) as session:
            report = ingestor.ingest(session, warm)
            session.rollback()
            ingestor.forget(report)
    per_size: dict[int, list[float]] = {size: [] for size, _ in dbs}
    joined: dict[int, list[int]] = {size: [] for size, _ in dbs}
    analysed: dict[int, list[float]] = {size: [] for size, _ in dbs}
    walls: dict[int, list[float]] = {size: [] for size, _ in dbs}
    for r in range(rounds):
        for (size, engine), ingestor in zip(dbs, ingestors, strict=True):
            gen.rng = random.Random(1000 + r)  # the same probes at every size
            cands = probes(gen, corpus[:size], 1, batch)[0]
            t = time.process_time()
            gate_entries(ingestor.analysis_spec(cands[0].topic), cands)
            analysed[size].append((time.process_time() - t) / len(cands) * 1e3)
            with Session(engine) as session:
                t, w = time.process_time(), time.perf_counter()
                report = ingestor.ingest(session, cands)
                session.flush()
                spent, wall = time.process_time() - t, time.perf_counter() - w
                session.rollback()
            ingestor.forget(report)
            per_size[size].append(spent / len(cands) * 1e3)
            walls[size].append(wall / len(cands) * 1e3)
            joined[size].append(report.near_duplicates + report.duplicates)
    base = statistics.median(per_size[dbs[0][0]])
    whole = {
        size: statistics.median(a + b for a, b in zip(values, analysed[size], strict=True))
        for size, values in per_size.items()
    }
    print(
        f"{backend}: per-article ingest CPU (dedup and storage; the worker's analysis "
        f"apart), median of {rounds} interleaved rounds of {batch}"
    )
    for size, values in per_size.items():
        med = statistics.median(values)
        print(
            f"  {size:>7,} stored: {med:6.2f} ms/article  ({med / base:4.2f}x of "
            f"{dbs[0][0]:,})  copies joined per batch: {statistics.median(joined[size]):.0f}"
            f"  with the analysis: {whole[size]:.2f} ms/article "
            f"({whole[size] / whole[dbs[0][0]]:4.2f}x)  ingest's wall (the database "
            f"server's time in): {statistics.median(walls[size]):.2f} ms/article"
        )


if __name__ == "__main__":
    main()
