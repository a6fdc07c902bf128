"""Generate a labelled synthetic appeal corpus as CSV (id, text, label, place, created).

    .venv/bin/python bench/gen_corpus.py --scheme gov --n 2000 --seed 1 --out /tmp/gov.csv
    .venv/bin/python bench/gen_corpus.py --outbreaks --n 100000 --out /tmp/hot.csv

``--outbreaks`` writes the hotspot miner's corpus instead: background appeals plus injected
outbreaks (one problem in one place raised by 3-150 residents within days, each in their
own words, with typos, full-width digits, traditional characters), columns id, text,
label, created, grid, building, resident, outbreak (-1: background), dissatisfied.

The generator itself lives in ``gongzhi.intel.synthetic`` (the classifier uses it as a
prior and the shipped default model is trained on it); this is its command line.
Same arguments, same corpus.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from gongzhi.intel.synthetic import LABEL_SETS, Appeal, LabelledAppeal, generate, generate_outbreaks

__all__ = ["LABEL_SETS", "generate", "generate_outbreaks", "write_csv", "write_outbreaks_csv"]


def write_csv(appeals: Iterable[Appeal], out: Path | None) -> int:
    fh = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label", "place", "created"])
        count = 0
        for a in appeals:
            writer.writerow([a.id, a.text, a.label, a.place, a.created])
            count += 1
        return count
    finally:
        if out:
            fh.close()


def write_outbreaks_csv(appeals: Iterable[LabelledAppeal], out: Path | None) -> int:
    fh = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "id",
                "text",
                "label",
                "created",
                "grid",
                "building",
                "resident",
                "outbreak",
                "dissatisfied",
            ]
        )
        count = 0
        for a in appeals:
            dissatisfied = "" if a.dissatisfied is None else int(a.dissatisfied)
            writer.writerow(
                [
                    a.id,
                    a.text,
                    a.label,
                    a.time.isoformat(sep=" ", timespec="minutes"),
                    a.grid_id,
                    a.building_id,
                    a.resident_id,
                    a.outbreak,
                    dissatisfied,
                ]
            )
            count += 1
        return count
    finally:
        if out:
            fh.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate labelled synthetic appeals.")
    parser.add_argument("--scheme", choices=sorted(LABEL_SETS), default="gov")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument("--short-share", type=float, default=0.3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--outbreaks", action="store_true", help="the hotspot corpus")
    parser.add_argument("--outbreak-share", type=float, default=0.05)
    args = parser.parse_args(argv)
    if args.outbreaks:
        count = write_outbreaks_csv(
            generate_outbreaks(
                args.n,
                seed=args.seed,
                noise=args.noise,
                outbreak_share=args.outbreak_share,
                scheme=args.scheme,
            ),
            args.out,
        )
        if args.out:
            print(f"wrote {count} appeals to {args.out}", file=sys.stderr)
        return 0
    appeals = generate(
        args.n, scheme=args.scheme, seed=args.seed, noise=args.noise, short_share=args.short_share
    )
    count = write_csv(appeals, args.out)
    if args.out:
        print(f"wrote {count} appeals to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
