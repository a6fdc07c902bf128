"""Benchmark of the hotspot miner: time, peak memory, progress, quality vs injected truth.

    .venv/bin/python bench/hotspots.py                      # 100k, 300k, 1M (several minutes)
    .venv/bin/python bench/hotspots.py --sizes 20000 --quality-only

For each size, the generated corpus (``gen_corpus.py --outbreaks``: background appeals plus
injected outbreaks, 5 % of appeals, with noise) is mined in a fresh process, which
reports seconds, peak RSS and the adjusted Rand index (ARI) against the injected truth
(each background appeal its own group) — with grids (the database mode) and text only
(the CSV mode), the latter at 100k only by default.  Beside it, the keyword baseline:
appeals grouped by keyword category (``KeywordClassifier``, baisitong2's rules) × grid ×
day.  The classifier's macro-F1 on the corpus labels, and the keyword rules', are printed
last (trained on a separate generated corpus of the same scheme).  ``max_gap`` is 7 days:
the corpus spans a year and a hotspot's appeals are days apart.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def _run_one(n: int, seed: int, grids: bool, workers: int, baseline: bool) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from gongzhi.intel.hotspots import MinerParams, Record, assignments, mine
    from gongzhi.intel.synthetic import generate_outbreaks

    appeals = list(generate_outbreaks(n, seed=seed))
    records = [
        Record(
            id=a.id,
            text=a.text,
            time=a.time,
            grid_id=a.grid_id if grids else None,
            building_id=a.building_id if grids else None,
            resident_id=a.resident_id,
            category=a.label,
            dissatisfied=a.dissatisfied,
        )
        for a in appeals
    ]
    last: dict[str, Any] = {"stage": "", "pct": -1}

    def progress(done: int, total: int, stage: str) -> None:
        pct = int(100 * done / total) if total else 100
        if stage != last["stage"] or pct // 10 != last["pct"] // 10:
            last.update(stage=stage, pct=pct)
            bar = "#" * (pct // 5) + "." * (20 - pct // 5)
            print(f"    [{bar}] {pct:3d}% {stage}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    found = mine(
        records,
        params=MinerParams(max_gap=timedelta(days=7), workers=workers),
        progress=progress,
    )
    elapsed = time.perf_counter() - started
    rank = assignments(found)
    truth = [a.outbreak if a.outbreak >= 0 else -1 - a.id for a in appeals]
    predicted = [rank.get(a.id, -1 - a.id) for a in appeals]
    out = {
        "n": n,
        "grids": grids,
        "seconds": round(elapsed, 1),
        "hotspots": len(found),
        "outbreaks": len({a.outbreak for a in appeals if a.outbreak >= 0}),
        "ari": round(adjusted_rand_score(truth, predicted), 4),
    }
    if baseline:
        from gongzhi.intel.keyword_baseline import KeywordClassifier

        rules = KeywordClassifier.for_labels({a.label for a in appeals})
        keys = [
            (c, a.grid_id if grids else 0, a.time.date())
            for c, a in zip(rules.predict([a.text for a in appeals]), appeals, strict=True)
        ]
        out["baseline_ari"] = round(adjusted_rand_score(truth, [hash(k) for k in keys]), 4)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_rss_mb"] = round(
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children) / 1024
    )
    return out


def _classifier_quality(n: int) -> None:
    from sklearn.metrics import f1_score

    from gongzhi.intel.classifier import train
    from gongzhi.intel.keyword_baseline import KeywordClassifier
    from gongzhi.intel.synthetic import generate, generate_outbreaks

    test = list(generate_outbreaks(n, seed=11))
    train_set = list(generate(3000, scheme="community", seed=12, variant="a"))
    model = train([a.text for a in train_set], [a.label for a in train_set], prior=None)
    truth = [a.label for a in test]
    ours = model.predict_labels([a.text for a in test])
    rules = KeywordClassifier.for_labels(set(truth)).fit([], []).predict([a.text for a in test])
    print(f"classifier macro-F1 on the hotspot corpus ({n} appeals, community labels):")
    f1_ours = f1_score(truth, ours, average="macro")
    f1_rules = f1_score(truth, rules, average="macro")
    print(f"  ours (trained on 3,000 other generated appeals) {f1_ours:.4f}")
    print(f"  keyword rules                                   {f1_rules:.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--text-only-at", type=int, default=100_000)
    parser.add_argument("--quality-only", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        n, grids, baseline = args.one.split(":")
        result = _run_one(int(n), args.seed, grids == "1", args.workers, baseline == "1")
        print(json.dumps(result))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    runs = [(n, True) for n in sizes] + [
        (n, False) for n in sizes if n == args.text_only_at or args.quality_only
    ]
    print(
        f"{'appeals':>9} {'mode':<9} {'seconds':>8} {'peak MB':>8} {'hotspots':>8} "
        f"{'outbreaks':>9} {'ARI':>7} {'keyword ARI':>11}"
    )
    for n, grids in runs:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            f"{n}:{int(grids)}:1",
            "--seed",
            str(args.seed),
            "--workers",
            str(args.workers),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ)
        if proc.returncode:
            print(f"{n:>9} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        sys.stderr.write(proc.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        mode = "grids" if grids else "text"
        print(
            f"{n:>9} {mode:<9} {r['seconds']:>8} {r['peak_rss_mb']:>8} {r['hotspots']:>8} "
            f"{r['outbreaks']:>9} {r['ari']:>7} {r.get('baseline_ari', '-'):>11}",
            flush=True,
        )
    _classifier_quality(20_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
