"""Article path: local pages through fetch, extraction, dedup, classification and
storage, beside bare `trafilatura.extract` on the same HTML, CPU for CPU.

Run: python tests/bench/bench_article_path.py [--pages 2000] [--runs 3] [--per-host 16]
[--code DIR]

The pages are distinct stories (see `pages`), every tenth a syndicated copy of the
one before, so dedup and classification do their full work on each page.
A feed lists every page; `peacewatch crawl`'s code path (Crawl with
`fetch_articles = true`, a fresh SQLite database) fetches, extracts, deduplicates,
classifies and stores them. The baseline extracts the same HTML strings in a loop with
no I/O at all. Both sides run in fresh processes, in alternating order, each twice:
the fresh round, then a warm one in the same process on the other half of 2N pages
(new to it: trafilatura's caches would serve pages seen before), peacewatch on a new
database. CPU
is that of the side's whole process tree, from /proc (peacewatch: the crawling
process, its fork server and its parsing workers; the page server is not counted);
the fresh figure includes interpreter start and imports.
`--code DIR` adds the peacewatch side of another checkout (the code before a change), run
by that checkout's own copy of this benchmark, in the same rotation.
Quoted: medians of the runs' per-run ratios. Target: peacewatch's CPU per page <= 1.5x
of bare extraction.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.crawl import Crawl
from crawler.runtime.loop import run
from crawler.settings import NetworkSettings, SourceSettings, TopicSettings
from crawler.store.ingest import Ingestor
from scheduler.database import open_database
from tests.bench.bench_feeds import _measure, figure, median_of, tree_cpu
from tests.bench.checkout import precompile, run_side

ROOT = Path(__file__).resolve().parents[2]
SIDES = ("bare", "pipeline")
OTHER = "pw-other"
"""`--code`'s side: the pipeline of another checkout."""
COPY_EVERY = 10
"""Every tenth page is a syndicated copy of the page before it (a near duplicate)."""


def _paragraph_pool() -> tuple[list[str], list[str]]:
    """(talks paragraphs from the seed articles, other news paragraphs from the real feeds)."""
    import feedparser

    from crawler.extract.text import html_to_text
    from tests.crawl.testsite import seed_articles
    from tests.feeds import REAL_FEEDS

    talks = [p for article in seed_articles() for p in article.paragraphs]
    other: dict[str, str] = {}
    for path in sorted(REAL_FEEDS.iterdir()):
        if path.suffix not in {".xml", ".rss", ".atom", ".rdf"}:
            continue
        for entry in feedparser.parse(path.read_bytes()).entries:
            text = html_to_text(entry.get("summary", "")).split()
            if len(text) >= 25:  # a paragraph's worth; its opening words identify it
                other.setdefault(" ".join(text[:8]), " ".join(text[:60]))
    return talks, list(other.values())


def pages(n: int) -> dict[str, tuple[str, str]]:
    """path -> (title, html): distinct stories in full boilerplate, every tenth a copy.

    Each story is a lede of its own, three paragraphs of talks reporting from the seeds
    and six paragraphs of other news from the real feeds, so stories share no more
    text than different reports do, and every page is on topic.
    """
    from tests.crawl.testsite import Article, article_html

    talks, other = _paragraph_pool()
    out = {}
    body: list[str] = []
    for i in range(n):
        rng = random.Random(i)
        if i % COPY_EVERY != COPY_EVERY - 1 or not body:
            lede = (
                f"Russian and Ukrainian delegations held round {i} of their talks on "
                f"{rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday'])}, officials said."
            )
            middle = [*rng.sample(talks, 3), *rng.sample(other, 6)]
            rng.shuffle(middle)
            body = [lede, *middle]
        else:
            body = [*body[:-1], "(Reporting by the wire desk; editing by the news desk.)"]
        title = f"Peace talks: round {i} of the negotiations between Russia and Ukraine"
        article = Article(
            slug=f"story-{i}",
            title=title,
            published="2025-11-20T12:00:00+00:00",
            author=f"Reporter {i % 37}",
            paragraphs=body,
            subheads=["What comes next"],
            boilerplate=["Recommendations"],
        )
        out[f"/bench/{i}.html"] = (title, article_html(article))
    return out


def _serve(queue: multiprocessing.Queue, n: int) -> None:  # type: ignore[type-arg]
    from tests.crawl.testsite import TestSite
    from tests.feeds import Entry, rss

    site = TestSite()
    docs = list(pages(2 * n).items())
    for path, (_title, html) in docs:
        site.add(path, html)
    for half, part in enumerate((docs[:n], docs[n:])):
        entries = [Entry(title, site.url(path), "") for path, (title, _html) in part]
        site.add(f"/bench/feed{half}.xml", rss(entries).decode(), "application/rss+xml")
    queue.put(site.base)
    site.server.serve_forever()


def _pipeline(base: str, per_host: int, tmp: str) -> Any:
    topic = TopicSettings()
    network = NetworkSettings(allow_private=True, per_host=per_host, concurrency=64)
    stored: list[int] = []

    def work(half: int) -> None:
        source = SourceSettings(
            name="bench", url=f"{base}/bench/feed{half}.xml", topic=topic.name, fetch_articles=True
        )
        engine = open_database(f"sqlite:///{tmp}/{half}.db")
        report = run(Crawl(engine, Ingestor([topic]), network).run([source]))
        assert not report.errors, report.errors
        engine.dispose()
        stored.append(report.new_articles + report.duplicates)

    work.stored = stored  # type: ignore[attr-defined]
    return work


def _bare(docs: list[tuple[str, tuple[str, str]]], n: int) -> Any:
    def work(half: int) -> None:
        for path, (_title, html) in docs[half * n : (half + 1) * n]:
            trafilatura.extract(html, url=path)

    return work


def side(name: str, base: str, n: int, per_host: int, out: Path) -> None:
    """One side in this fresh process: a fresh-process round, then a warm one."""
    c0 = tree_cpu()
    docs = list(pages(2 * n).items()) if name == "bare" else []
    excluded = tree_cpu() - c0  # making the pages is the bench's work
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = _bare(docs, n) if name == "bare" else _pipeline(base, per_host, tmp)
        result["startup_cpu"] = tree_cpu() - excluded
        result["fresh"] = _measure(lambda: work(0))
        result["warm"] = _measure(lambda: work(1))
        result["stored"] = getattr(work, "stored", [0])[0]
    out.write_text(json.dumps(result))


def _run_side(name: str, base: str, args: argparse.Namespace, code: Path = ROOT) -> dict[str, Any]:
    arguments = ["--side", name, "--base", base, "--pages", str(args.pages)]
    result = run_side(code, "bench_article_path.py", [*arguments, "--per-host", str(args.per_host)])
    result["fresh_wall"] = result["fresh"]["end"] - result["spawned"]
    result["fresh_cpu"] = result["startup_cpu"] + result["fresh"]["cpu"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-host", type=int, default=16)
    parser.add_argument("--code", type=Path, help="another checkout's peacewatch, beside")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side(args.side, args.base, args.pages, args.per_host, args.out)
        return
    other = OTHER if args.code else None
    for code in (ROOT, args.code) if args.code else (ROOT,):
        precompile(code)
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(queue, args.pages), daemon=True)
    server.start()
    base = queue.get(timeout=120)
    n = args.pages
    sides = [*SIDES, OTHER] if other else list(SIDES)
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
    for attempt in range(args.runs):
        for name in sides if attempt % 2 == 0 else sides[::-1]:
            if name == OTHER:
                runs[name].append(_run_side("pipeline", base, args, args.code))
            else:
                runs[name].append(_run_side(name, base, args))
        b, p = runs["bare"][-1], runs["pipeline"][-1]
        print(
            f"run {attempt + 1}: CPU ms/page fresh bare {b['fresh_cpu'] * 1e3 / n:.2f}, "
            f"peacewatch {p['fresh_cpu'] * 1e3 / n:.2f}; warm bare {b['warm']['cpu'] * 1e3 / n:.2f}"
            f", peacewatch {p['warm']['cpu'] * 1e3 / n:.2f}"
            + (
                f"; {OTHER} fresh {runs[OTHER][-1]['fresh_cpu'] * 1e3 / n:.2f}, "
                f"warm {runs[OTHER][-1]['warm']['cpu'] * 1e3 / n:.2f}"
                if other
                else ""
            )
        )
    server.terminate()
    server.join(5)

    get = figure

    def med(name: str, key: str) -> float:
        return median_of(runs, name, key)

    def ratio(key: str, side: str = "pipeline", base: str = "bare") -> float:
        pairs = zip(runs[side], runs[base], strict=True)
        return statistics.median(get(p, key) / get(b, key) for p, b in pairs)

    stored = runs["pipeline"][-1]["stored"]
    print(f"\n{n} pages, medians of {args.runs} runs; articles stored: {stored}")
    print("CPU: the side's whole process tree (peacewatch: its process, fork server, workers)")
    print(f"{'':36} {'bare extract':>13} {'peacewatch':>11} {'ratio':>7}")
    for label, key, scale in (
        ("CPU ms/page, fresh (start-up in)", "fresh_cpu", 1e3 / n),
        ("CPU ms/page, warm", "warm.cpu", 1e3 / n),
        ("wall s, fresh (from the spawn)", "fresh_wall", 1.0),
        ("wall s, warm", "warm.wall", 1.0),
    ):
        b, p = med("bare", key) * scale, med("pipeline", key) * scale
        print(f"{label:36} {b:13.2f} {p:11.2f} {ratio(key):6.2f}x")
    print("ratio: peacewatch / bare, median of the runs' ratios; target: CPU <= 1.5x")
    if other:
        print(
            f"{OTHER} ({args.code}): CPU ms/page fresh {med(OTHER, 'fresh_cpu') * 1e3 / n:.2f}, "
            f"warm {med(OTHER, 'warm.cpu') * 1e3 / n:.2f}; {ratio('fresh_cpu', OTHER):.2f}x "
            f"/ {ratio('warm.cpu', OTHER):.2f}x bare; this checkout's CPU "
            f"{ratio('fresh_cpu', 'pipeline', OTHER):.2f}x / "
            f"{ratio('warm.cpu', 'pipeline', OTHER):.2f}x its own, fresh / warm"
        )


if __name__ == "__main__":
    main()
