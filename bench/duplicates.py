"""Benchmark of the duplicate finder: query latency at 1,000,000 stored open appeals.

    .venv/bin/python bench/duplicates.py              # 1M stored, 2,000 queries
    .venv/bin/python bench/duplicates.py --n 100000

Stores ``--n`` generated appeals (``gen_corpus.py``) over 5,000 grids and 90 days in a
``DuplicateIndex`` (build time and peak RSS are printed), then times ``--queries`` new
appeals, each asking for the top 5 of its grid within 30 days: p50, p99 and max in
milliseconds, one core.  Beside it, the intake path: ``similar()`` over the 200 open
appeals of one grid fetched from the database (the fetch itself is not timed here).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from gongzhi.intel.duplicates import DuplicateIndex, Entry, similar
from gongzhi.intel.synthetic import generate


def _ms(samples: list[float]) -> str:
    s = sorted(samples)
    p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
    return f"p50 {statistics.median(s):.2f} ms, p99 {p99:.2f} ms, max {s[-1]:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Duplicate finder latency.")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    entries = [
        Entry(
            i,
            a.text,
            rng.randrange(args.grids),
            start + timedelta(minutes=rng.randrange(90 * 1440)),
        )
        for i, a in enumerate(generate(args.n, scheme="community", seed=args.seed), start=1)
    ]
    t = time.perf_counter()
    index = DuplicateIndex.build(entries)
    build = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"index of {args.n} stored appeals over {args.grids} grids: built in {build:.1f} s, "
        f"peak RSS {rss:.0f} MB"
    )
    queries = list(generate(args.queries, scheme="community", seed=args.seed + 1))
    index.query(queries[0].text, grid_id=0, when=start)  # warm up
    times = []
    for q in queries:
        when = start + timedelta(minutes=rng.randrange(90 * 1440))
        t = time.perf_counter()
        index.query(q.text, grid_id=rng.randrange(args.grids), when=when, k=5)
        times.append((time.perf_counter() - t) * 1000)
    print(f"DuplicateIndex.query, top 5 in grid ± 30 days: {_ms(times)}")
    pool = [(e.id, e.text) for e in entries[:200]]
    times = []
    for q in queries[:500]:
        t = time.perf_counter()
        similar(q.text, pool, k=5)
        times.append((time.perf_counter() - t) * 1000)
    print(f"similar() over 200 candidates (the intake path): {_ms(times)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
