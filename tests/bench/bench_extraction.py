"""Extraction on real pages: peacewatch's extractor beside trafilatura's default.

Run: python tests/bench/bench_extraction.py PATH [--runs 5]

PATH is a checkout of the public article-extraction benchmark
(https://github.com/scrapinghub/article-extraction-benchmark, MIT licence: 181 real
pages in html/*.html.gz, ground-truth.json with each page's URL, and its scorer
evaluate.py); the pages are not copied into this repository. The baseline is the call
that benchmark's own runner makes, `trafilatura.extract(html, include_comments=False)`,
given the page's URL as peacewatch's side is; peacewatch's side is
`extract_article(html, url)`, which also reads the title, author, date and language,
and whose text is scored as it would be stored (empty for a page it refuses).

Each run starts both sides in fresh processes, in alternating order, and each
extracts every page once (a second pass over the same pages would be served in part
from htmldate's and trafilatura's caches). Printed: CPU per page over all pages (the
fresh-process figure), over the later half (warm: the process has warmed up on the
first half, and these pages are new to it), and the whole process's CPU from start
to exit (interpreter, imports and reading the gzip files included); medians of the
runs' per-run ratios; F1, precision and recall by the benchmark's own scorer; and,
from one more fresh process, the cost of peacewatch's metadata steps with and without
htmldate's extensive date search.
Targets: F1 >= trafilatura's, CPU per page <= trafilatura's.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SIDES = ("trafilatura", "peacewatch")
CHOICES = (*SIDES, "dates-1", "dates-0")


def _pages(path: Path) -> dict[str, str]:
    return {
        page.name.split(".")[0]: gzip.decompress(page.read_bytes()).decode("utf8")
        for page in sorted((path / "html").glob("*.html.gz"))
    }


def _side(name: str, path: Path, out: Path) -> None:
    """One side in this (fresh) process: one pass over the pages, CPU of each page."""
    if name == "trafilatura":
        import trafilatura

        def run(html: str, url: str) -> str:
            return trafilatura.extract(html, url=url, include_comments=False) or ""
    else:
        sys.path.insert(0, str(ROOT))
        from crawler.extract.article import extract_article

        def run(html: str, url: str) -> str:
            return extract_article(html, url).text

    pages = _pages(path)
    urls = {k: v["url"] for k, v in json.loads((path / "ground-truth.json").read_text()).items()}
    spent, texts = [], {}
    for key, html in pages.items():
        began = time.process_time()
        texts[key] = run(html, urls[key])
        spent.append(time.process_time() - began)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    process = usage.ru_utime + usage.ru_stime
    out.write_text(json.dumps({"spent": spent, "process": process, "texts": texts}))


def _dates(path: Path, out: Path, *, extensive: bool) -> None:
    """Fresh-process CPU per page of peacewatch's metadata steps, and how many pages
    get a date, with or without htmldate's extensive search (one process each: its
    caches would serve the second from the first)."""
    sys.path.insert(0, str(ROOT))
    from trafilatura.utils import load_html

    from crawler.extract import article

    article.DATE_PARAMS["extensive_search"] = extensive
    pages = _pages(path)
    urls = {k: v["url"] for k, v in json.loads((path / "ground-truth.json").read_text()).items()}
    spent, found = 0.0, 0
    for key, html in pages.items():
        tree = load_html(html)
        began = time.process_time()
        found += article._metadata(tree, urls[key])["date"] is not None
        spent += time.process_time() - began
    out.write_text(json.dumps({"spent": spent, "found": found}))


def _run(path: Path, side: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        subprocess.run(
            [sys.executable, __file__, str(path), "--side", side, "--out", str(out)],
            check=True,
        )
        result: dict[str, Any] = json.loads(out.read_text())
    return result


def _run_side(name: str, path: Path) -> dict[str, Any]:
    """The side in a fresh process; adds the whole process's CPU (waited for)."""
    result = _run(path, name)
    half = len(result["spent"]) // 2
    result["fresh"] = sum(result["spent"])
    result["warm"] = sum(result["spent"][half:])
    result["warm_pages"] = len(result["spent"]) - half
    return result


def _scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("aeb_evaluate", path / "evaluate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score(scorer: ModuleType, truth: dict[str, Any], texts: dict[str, str]) -> dict[str, float]:
    counts = [
        scorer.string_shingle_matching(true=truth[k].get("articleBody", ""), pred=texts[k] or "")
        for k in truth
    ]
    result: dict[str, float] = scorer.metrics_from_tp_fp_fns(counts)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="article-extraction-benchmark checkout")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--side", choices=CHOICES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        if args.side.startswith("dates"):
            _dates(args.path, args.out, extensive=args.side.endswith("1"))
        else:
            _side(args.side, args.path, args.out)
        return
    truth = json.loads((args.path / "ground-truth.json").read_text())
    n = len(truth)
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for attempt in range(args.runs):
        for side in SIDES if attempt % 2 == 0 else SIDES[::-1]:
            runs[side].append(_run_side(side, args.path))
        t, p = runs["trafilatura"][-1], runs["peacewatch"][-1]
        print(
            f"run {attempt + 1}: ms/page fresh {t['fresh'] * 1e3 / n:.1f} vs "
            f"{p['fresh'] * 1e3 / n:.1f}, warm {t['warm'] * 1e3 / t['warm_pages']:.1f} vs "
            f"{p['warm'] * 1e3 / p['warm_pages']:.1f} (trafilatura vs peacewatch)"
        )

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[side])

    def ratio(key: str) -> float:
        pairs = zip(runs["peacewatch"], runs["trafilatura"], strict=True)
        return statistics.median(p[key] / t[key] for p, t in pairs)

    scorer = _scorer(args.path)
    scores = {side: _score(scorer, truth, runs[side][-1]["texts"]) for side in SIDES}
    refused = sum(not text for text in runs["peacewatch"][-1]["texts"].values())
    dates = {extensive: _run(args.path, f"dates-{extensive}") for extensive in ("1", "0")}
    warm = runs["peacewatch"][0]["warm_pages"]
    print(f"\n{n} pages, {args.runs} runs, each side in a fresh process per run (one process)")
    print(f"{'CPU':38} {'trafilatura':>12} {'peacewatch':>12} {'ratio':>7}")
    for label, key, pages in (
        ("ms/page, all pages, fresh process", "fresh", n),
        (f"ms/page, the last {warm}, warm", "warm", warm),
    ):
        t, p = median("trafilatura", key), median("peacewatch", key)
        print(f"{label:38} {t * 1e3 / pages:12.2f} {p * 1e3 / pages:12.2f} {ratio(key):6.2f}x")
    t, p = median("trafilatura", "process"), median("peacewatch", "process")
    print(f"{'whole process, s (start to exit)':38} {t:12.2f} {p:12.2f} {ratio('process'):6.2f}x")
    for key in ("f1", "precision", "recall"):
        print(f"{key:38} {scores['trafilatura'][key]:12.3f} {scores['peacewatch'][key]:12.3f}")
    print(f"peacewatch pages refused (no text): {refused}")
    for extensive, label in (("1", "extensive (shipped)"), ("0", "not extensive")):
        d = dates[extensive]
        print(
            f"peacewatch metadata steps, date search {label}: "
            f"{d['spent'] * 1e3 / n:.2f} ms/page fresh, {d['found']} of {n} pages dated"
        )
    print("ratio: peacewatch / trafilatura, median of the runs' ratios; targets: CPU <= 1.0x,")
    print("F1 >= trafilatura's")


if __name__ == "__main__":
    main()
