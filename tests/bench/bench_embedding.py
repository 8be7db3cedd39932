"""What the MiniLM encoders cost per article: `python tests/bench/bench_embedding.py`.

For each encoder whose files are present, the load time and, over every corpus item's
headline and lede in batches of 64, CPU milliseconds per text (all threads counted)
and wall-clock texts per second. Issue 16 asks for 300 articles/s on 2 cores for the
whole reading; the encoder's share has to fit inside that.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crawler.status import corpus
from crawler.status.learned import embedding

BATCH = 64
TARGET_PER_S = 300


def main() -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    texts = [embedding.text_of(i.title, i.text) for i in corpus.split("all")]
    print(f"{len(texts)} texts (headline + lede), batches of {BATCH}, {os.cpu_count()} cores")
    print(f"{'encoder':<10}{'load s':>8}{'CPU ms/text':>13}{'texts/s':>9}")
    for kind in embedding.KINDS:
        start = time.perf_counter()
        try:
            encoder = embedding.load(kind)
        except embedding.EncoderError as exc:
            print(f"{kind:<10} skipped: {exc}")
            continue
        load = time.perf_counter() - start
        encoder.encode(texts[:BATCH])
        cpu, wall = time.process_time(), time.perf_counter()
        for at in range(0, len(texts), BATCH):
            encoder.encode(texts[at : at + BATCH])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        rate = len(texts) / wall
        flag = "" if rate >= TARGET_PER_S else f"  (under {TARGET_PER_S}/s)"
        print(f"{kind:<10}{load:>8.2f}{1000 * cpu / len(texts):>13.2f}{rate:>9.0f}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
