"""Command line for the routing classifier (no Django).

    python -m gongzhi.intel.cli train --csv FILE --text COL --label COL --out DIR
    python -m gongzhi.intel.cli evaluate --model DIR --csv FILE --text COL --label COL
    python -m gongzhi.intel.cli predict --model DIR [TEXT ...]
    python -m gongzhi.intel.cli hotspots --csv FILE --text COL --time COL [--id COL]
        [--votes COL] [--resident COL] [--title COL] [--window all|7d|...] [--out GROUPS.csv]
    python -m gongzhi.intel.cli duplicates --csv FILE --text COL [--id COL] TEXT

``gongzhi intel ...`` (the management command) calls :func:`main` with the same
arguments; ``hotspots`` without ``--csv`` reads the database (the command handles it).
Every failure is one ``error: ...`` line on stderr and exit
status 2 (bad input) or 1 (anything else) — never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from gongzhi.intel.classifier import Model, ModelError, TrainConfig, train
from gongzhi.intel.duplicates import similar
from gongzhi.intel.hotspots import (
    Hotspot,
    MinerParams,
    Record,
    Spike,
    assignments,
    mine,
    parse_window,
)
from gongzhi.intel.lexicon import read_taxonomy_csv
from gongzhi.intel.tables import TableError, read_table
from gongzhi.intel.text import prepare


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser(prog: str = "gongzhi intel") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Train and evaluate the appeal routing classifier.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    tr = sub.add_parser("train", help="train a model from a labelled CSV/xlsx file")
    tr.add_argument("--csv", required=True, help="labelled CSV, TSV or xlsx file")
    tr.add_argument("--text", required=True, help="text column (A+B joins columns)")
    tr.add_argument("--label", required=True, help="label column")
    tr.add_argument("--out", required=True, help="model directory to write")
    tr.add_argument("--unlabelled", help="CSV/xlsx of unlabelled texts (same --text column)")
    tr.add_argument("--unlabelled-text", help="text column of --unlabelled if different")
    tr.add_argument("--taxonomy", help="category tree CSV (level1,level2,level3) for topics")
    tr.add_argument("--sheet", help="xlsx sheet name (default: the first)")
    tr.add_argument(
        "--holdout", type=float, default=0.2, help="share held out to report macro-F1 (0.2)"
    )
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument(
        "--no-prior",
        action="store_true",
        help="do not add the generated appeals of the same label names as weak examples",
    )
    tr.add_argument(
        "--no-refit",
        action="store_true",
        help="save the model trained without the held-out part instead of refitting on all",
    )

    ev = sub.add_parser("evaluate", help="evaluate a model on a labelled CSV/xlsx file")
    ev.add_argument("--model", required=True, help="model directory")
    ev.add_argument("--csv", required=True)
    ev.add_argument("--text", required=True)
    ev.add_argument("--label", required=True)
    ev.add_argument("--sheet")
    ev.add_argument("--predictions", help="write id,text-free predictions to this CSV")

    bd = sub.add_parser("build-default", help="rebuild the shipped default model")
    bd.add_argument("--out", help="directory (default: the package's data/default_model)")

    hs = sub.add_parser("hotspots", help="hotspots of a CSV/xlsx file (or, in Django, of the DB)")
    hs.add_argument("--csv", required=True, help="CSV, TSV or xlsx file of messages")
    hs.add_argument("--text", required=True, help="text column (A+B joins columns)")
    hs.add_argument("--time", help="time column (without it: --window all, no time affinity)")
    hs.add_argument("--id", help="id column (default: the row number, from 1)")
    hs.add_argument("--votes", help="likes/votes column (adds to the heat)")
    hs.add_argument("--resident", help="resident/user column (distinct residents)")
    hs.add_argument(
        "--title",
        help="subject column (default: the first of --text A+B when it joins columns)",
    )
    hs.add_argument("--window", default="all", help="all (default), day, week, month, 7d, 24h")
    hs.add_argument("--end", help="end of the window (default: just after the newest message)")
    hs.add_argument("--out", help="write id,hotspot (rank or empty) for every row here")
    hs.add_argument("--top", type=int, default=10, help="hotspots to print (10)")
    hs.add_argument("--min-size", type=int, default=2, help="smallest group (2)")
    hs.add_argument("--threshold", type=float, help="similarity to link two messages (0.42)")
    hs.add_argument("--workers", type=int, default=0, help="processes (0: automatic)")
    hs.add_argument("--sheet")
    hs.add_argument("--no-progress", action="store_true")

    du = sub.add_parser("duplicates", help="most similar rows of a CSV/xlsx for a text")
    du.add_argument("--csv", required=True)
    du.add_argument("--text", required=True)
    du.add_argument("--id")
    du.add_argument("-k", type=int, default=5)
    du.add_argument("--sheet")
    du.add_argument("query", nargs="+", help="the new appeal's text")

    pr = sub.add_parser("predict", help="print the category of texts (arguments or stdin)")
    pr.add_argument("--model", help="model directory (default: the shipped default model)")
    pr.add_argument("texts", nargs="*")
    return parser


# --- helpers ---------------------------------------------------------------------


def _labelled(
    path: str, text_col: str, label_col: str, sheet: str | None, err: TextIO
) -> tuple[list[str], list[str]]:
    table = read_table(path, sheet=sheet)
    texts = table.column(text_col)
    labels = [lab.strip() for lab in table.column(label_col)]
    keep = [i for i, lab in enumerate(labels) if lab]
    dropped = len(labels) - len(keep)
    if dropped:
        print(f"warning: {dropped} rows without a label skipped", file=err)
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    if not texts:
        raise TableError(f"{Path(path).name}: no rows with a label in column {label_col!r}")
    empty = sum(1 for t in texts if not prepare(t))
    if empty:
        print(f"warning: {empty} rows with an empty text", file=err)
    print(f"read {len(texts)} labelled rows from {Path(path).name} ({table.encoding})", file=err)
    return texts, labels


def _split(labels: list[str], share: float, seed: int) -> tuple[list[int], list[int]]:
    """Stratified split; classes with fewer than 4 examples stay in training only."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_class.setdefault(lab, []).append(i)
    train_idx: list[int] = []
    test_idx: list[int] = []
    for idx in by_class.values():
        idx = list(rng.permutation(idx))
        n_test = round(len(idx) * share) if len(idx) >= 4 else 0
        test_idx.extend(idx[:n_test])
        train_idx.extend(idx[n_test:])
    return sorted(train_idx), sorted(test_idx)


def metrics(truth: Sequence[str], predicted: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class P/R/F1 and confusion over the union of labels."""
    labels = sorted(set(truth) | set(predicted))
    pos = {lab: i for i, lab in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(truth, predicted, strict=True):
        cm[pos[t], pos[p]] += 1
    per_class = {}
    f1s = []
    for lab, i in pos.items():
        tp = cm[i, i]
        precision = tp / cm[:, i].sum() if cm[:, i].sum() else 0.0
        recall = tp / cm[i, :].sum() if cm[i, :].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[lab] = {
            "precision": float(precision),
            "recall": float(recall),
            "f1": float(f1),
            "support": int(cm[i, :].sum()),
        }
        if cm[i, :].sum():  # macro over the classes present in the truth
            f1s.append(f1)
    total = cm.sum()
    return {
        "labels": labels,
        "accuracy": float(np.trace(cm) / total) if total else 0.0,
        "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "per_class": per_class,
        "confusion": cm.tolist(),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _print_report(m: dict, out: TextIO) -> None:
    labels = m["labels"]
    width = max([_width(label) for label in labels] + [8])
    print(f"accuracy  {m['accuracy']:.4f}", file=out)
    print(f"macro-F1  {m['macro_f1']:.4f}", file=out)
    print("", file=out)
    print(f"{_pad('class', width)}  precision  recall     f1  support", file=out)
    for lab in labels:
        c = m["per_class"][lab]
        print(
            f"{_pad(lab, width)}  {c['precision']:9.3f}  {c['recall']:6.3f}  {c['f1']:5.3f}"
            f"  {c['support']:7d}",
            file=out,
        )
    print("", file=out)
    print("confusion matrix (rows: true, columns: predicted)", file=out)
    for i, lab in enumerate(labels):
        print(f"  [{i}] {lab}", file=out)
    print("      " + "".join(f"{f'[{j}]':>6}" for j in range(len(labels))), file=out)
    for i, row in enumerate(m["confusion"]):
        print(f"{f'[{i}]':>6}" + "".join(f"{v:>6d}" for v in row), file=out)


# --- commands ---------------------------------------------------------------------


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    texts, labels = _labelled(args.csv, args.text, args.label, args.sheet, err)
    unlabelled: list[str] = []
    if args.unlabelled:
        table = read_table(args.unlabelled)
        unlabelled = table.column(args.unlabelled_text or args.text)
        print(f"read {len(unlabelled)} unlabelled rows ({table.encoding})", file=err)
    taxonomy = None
    if args.taxonomy:
        try:
            taxonomy = read_taxonomy_csv(args.taxonomy)
        except (OSError, ValueError) as exc:
            raise TableError(f"--taxonomy: {exc}") from exc
    if not 0.0 <= args.holdout < 0.9:
        raise UsageError("--holdout must be between 0 and 0.9")
    config = TrainConfig()
    prior = None if args.no_prior else "generated"

    held_out: dict | None = None
    train_idx, test_idx = _split(labels, args.holdout, args.seed)
    if test_idx:
        model = train(
            [texts[i] for i in train_idx],
            [labels[i] for i in train_idx],
            unlabelled=unlabelled,
            taxonomy=taxonomy,
            prior=prior,
            config=config,
        )
        predicted = model.predict_labels([texts[i] for i in test_idx])
        held_out = metrics([labels[i] for i in test_idx], predicted)
        print(
            f"held-out ({len(test_idx)} rows, trained on {len(train_idx)}): "
            f"macro_f1={held_out['macro_f1']:.4f} accuracy={held_out['accuracy']:.4f}",
            file=out,
        )
    else:
        print("no held-out split (too few rows per class): macro-F1 not measured", file=out)
    if not test_idx or not args.no_refit:
        model = train(
            texts, labels, unlabelled=unlabelled, taxonomy=taxonomy, prior=prior, config=config
        )
    if held_out is not None:
        model.metadata["held_out"] = {
            "rows": len(test_idx),
            "macro_f1": round(held_out["macro_f1"], 4),
            "accuracy": round(held_out["accuracy"], 4),
            "per_class_f1": {k: round(v["f1"], 4) for k, v in held_out["per_class"].items()},
        }
    model.metadata["source"] = Path(args.csv).name
    target = model.save(args.out)
    print(
        f"model saved to {target} ({len(model.classes)} classes, "
        f"{model.metadata['training_size']} training rows)",
        file=out,
    )
    if held_out is not None:
        print(f"macro_f1={held_out['macro_f1']:.4f} accuracy={held_out['accuracy']:.4f}", file=out)
    return 0


def cmd_evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    model = Model.load(args.model)
    texts, labels = _labelled(args.csv, args.text, args.label, args.sheet, err)
    unseen = sorted(set(labels) - set(model.classes))
    if unseen:
        n = sum(1 for lab in labels if lab in unseen)
        print(
            f"warning: {n} rows have labels the model never saw ({', '.join(unseen[:10])}); "
            "they count as errors. The model knows: " + ", ".join(model.classes),
            file=err,
        )
    model.predict_labels(texts[:8])  # warm up (segmenter dictionary, caches)
    started = time.perf_counter()
    predicted = model.predict_labels(texts)
    elapsed = max(time.perf_counter() - started, 1e-9)
    rate = len(texts) / elapsed
    m = metrics(labels, predicted)
    _print_report(m, out)
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["row", "label", "predicted"])
            for i, (t, p) in enumerate(zip(labels, predicted, strict=True), start=1):
                writer.writerow([i, t, p])
    print("", file=out)
    print(f"{len(texts)} predictions in {elapsed:.3f} s", file=out)
    print(f"macro_f1={m['macro_f1']:.4f} accuracy={m['accuracy']:.4f} rate={rate:.0f}/s", file=out)
    return 0


def cmd_build_default(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from gongzhi.intel import default_model

    target = Path(args.out) if args.out else default_model.DEFAULT_MODEL_DIR
    model = default_model.build(target)
    print(f"default model ({', '.join(model.classes)}) saved to {target}", file=out)
    return 0


def cmd_predict(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.model:
        model = Model.load(args.model)
    else:
        from gongzhi.intel.default_model import default_model

        model = default_model()
    texts = list(args.texts) or [line for line in sys.stdin.read().splitlines() if line.strip()]
    for text, p in zip(texts, model.predict(texts), strict=True):
        terms = " ".join(p.top_terms)
        print(f"{p.label}\t{p.confidence:.3f}\t{terms}\t{prepare(text)[:40]}", file=out)
    return 0


def progress_bar(err: TextIO) -> Callable[[int, int, str], None]:
    """A progress callback drawing ``[#####.....] 45% texts`` on ``err``."""
    tty = hasattr(err, "isatty") and err.isatty()
    state: dict[str, Any] = {"stage": "", "shown": -1}

    def show(done: int, total: int, stage: str) -> None:
        pct = int(100 * done / total) if total else 100
        if stage != state["stage"]:
            if state["stage"] and tty:
                print("", file=err)
            state["stage"], state["shown"] = stage, -1
        step = 1 if tty else 25
        if pct // step == state["shown"] // step and pct != 100:
            return
        if not tty and pct == state["shown"]:
            return
        state["shown"] = pct
        bar = "#" * (pct // 5) + "." * (20 - pct // 5)
        end = "\r" if tty and pct < 100 else "\n"
        print(f"[{bar}] {pct:3d}% {stage} ({done}/{total})", end=end, file=err, flush=True)

    return show


_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d",
)


def parse_time(value: str, tz: tzinfo = UTC) -> datetime | None:
    """A time cell (ISO, 2019/2/28 11:25, 2019年2月28日, 20190228) → aware datetime."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def print_hotspots(
    hotspots: Sequence[Hotspot],
    out: TextIO,
    *,
    top: int = 10,
    ids: Callable[[int], str] = str,
    alerts: Sequence[Spike] = (),
    growth: bool = True,
) -> None:
    """The ranked hotspots (and spike alerts), one block each, for people to read.

    ``growth=False``: there was no previous window, so growth is not shown."""
    if not hotspots:
        print("no hotspots: no two messages about the same problem", file=out)
    for h in hotspots[:top]:
        change = "new" if h.growth is None else f"{h.growth:+.0%}"
        dis = "" if h.dissatisfaction is None else f", dissatisfied {h.dissatisfaction:.0%}"
        print(
            f"#{h.rank}  heat {h.heat:.1f}  {h.count} messages, {h.residents} residents, "
            f"votes {h.votes}" + (f", growth {change}" if growth else "") + dis,
            file=out,
        )
        print(f"    {h.title}", file=out)
        if h.key_phrases:
            print(f"    key phrases: {' / '.join(h.key_phrases)}", file=out)
        where = []
        if h.grids:
            where.append(f"grids {', '.join(map(str, h.grids[:10]))}")
        if h.buildings:
            where.append(f"buildings {', '.join(map(str, h.buildings[:10]))}")
        if h.category:
            where.append(f"category {h.category}")
        if h.first_seen and h.last_seen:
            where.append(f"{h.first_seen:%Y-%m-%d} … {h.last_seen:%Y-%m-%d}")
        if where:
            print(f"    {'; '.join(where)}", file=out)
        print(f"    e.g. [{ids(h.representative_id)}] {h.representative_text[:60]}", file=out)
    if len(hotspots) > top:
        print(f"… and {len(hotspots) - top} more hotspots", file=out)
    for s in alerts:
        print(
            f"spike: {s.kind} {s.key}: {s.count} in the window, baseline {s.baseline:.1f} "
            f"(×{s.ratio:.1f})",
            file=out,
        )


def cmd_hotspots(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        length = parse_window(args.window)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.min_size < 2:
        raise UsageError("--min-size must be at least 2")
    if args.threshold is not None and not 0.0 < args.threshold < 1.0:
        raise UsageError("--threshold must be between 0 and 1")
    table = read_table(args.csv, sheet=args.sheet)
    title_spec, text_spec = args.title, args.text
    if title_spec is None and args.text not in table.columns and "+" in args.text:
        parts = [part.strip() for part in args.text.split("+")]
        title_spec, text_spec = parts[0], "+".join(parts[1:])
    for spec in (args.time, args.votes, args.resident, args.id):
        if spec:
            table.column(spec)  # a missing column is an error before any warning
    texts = table.column(text_spec)
    n = len(texts)
    titles = table.column(title_spec) if title_spec else [""] * n
    ids = table.column(args.id) if args.id else [str(i) for i in range(1, n + 1)]
    residents = table.column(args.resident) if args.resident else [""] * n
    votes: list[int] = []
    bad_votes = 0
    for v in table.column(args.votes) if args.votes else [""] * n:
        try:
            votes.append(max(0, int(float(v.strip() or 0))))
        except (ValueError, OverflowError):
            votes.append(0)
            bad_votes += 1
    if bad_votes:
        print(f"warning: {bad_votes} rows with a non-numeric vote count (counted as 0)", file=err)
    if args.time:
        times = [parse_time(v) for v in table.column(args.time)]
    else:
        if length is not None:
            raise UsageError("--window other than all needs --time")
        times = [datetime(2000, 1, 1, tzinfo=UTC)] * n
    known = sorted(t for t in times if t is not None)
    if not known:
        raise TableError(f"{Path(args.csv).name}: no readable time in column {args.time!r}")
    missing_time = sum(1 for t in times if t is None)
    if missing_time:
        print(
            f"warning: {missing_time} rows with an unreadable time; they are placed at the "
            "median time",
            file=err,
        )
    median = known[len(known) // 2]
    empty = sum(1 for t in texts if not prepare(t[:200]))
    if empty:
        print(f"warning: {empty} rows with an empty text (never in a hotspot)", file=err)
    records = [
        Record(
            id=i,
            text=texts[i],
            title=titles[i],
            time=times[i] or median,
            resident_id=residents[i].strip() or None,
            votes=votes[i],
        )
        for i in range(n)
    ]
    print(f"read {n} rows from {Path(args.csv).name} ({table.encoding})", file=err)
    start = end = None
    previous: list[Record] = []
    if length is not None:
        if args.end:
            end = parse_time(args.end)
            if end is None:
                raise UsageError(f"--end {args.end!r}: not a date or time")
        else:
            end = known[-1] + timedelta(seconds=1)
        start = end - length
        previous = [r for r in records if start - length <= r.time < start]
    workers = args.workers or (2 if n > 100_000 else 1)
    params = MinerParams(
        threshold=args.threshold if args.threshold is not None else MinerParams.threshold,
        min_size=args.min_size,
        workers=workers,
    )
    progress = None if args.no_progress else progress_bar(err)
    started = time.perf_counter()
    found = mine(
        records,
        window_start=start,
        window_end=end,
        previous=previous,
        params=params,
        progress=progress,
    )
    elapsed = time.perf_counter() - started
    in_window = sum(
        1 for r in records if (start is None or r.time >= start) and (end is None or r.time < end)
    )
    alerts: list[Spike] = []
    print_hotspots(
        found, out, top=args.top, ids=lambda i: ids[i], alerts=alerts, growth=bool(previous)
    )
    grouped = sum(h.count for h in found)
    print(
        f"{len(found)} hotspots, {grouped} of {in_window} messages grouped, in {elapsed:.1f} s",
        file=out,
    )
    if args.out:
        rank_of = assignments(found)
        try:
            with open(args.out, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["id", "hotspot"])
                for i in range(n):
                    writer.writerow([ids[i], rank_of.get(i, "")])
        except OSError as exc:
            raise TableError(f"--out {args.out}: cannot write ({exc.strerror or exc})") from exc
        print(f"wrote {n} rows to {args.out}", file=err)
    return 0


def cmd_duplicates(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    table = read_table(args.csv, sheet=args.sheet)
    texts = table.column(args.text)
    ids = table.column(args.id) if args.id else [str(i) for i in range(1, len(texts) + 1)]
    query = " ".join(args.query)
    for match in similar(query, list(enumerate(texts)), k=max(1, args.k)):
        print(f"{match.score:.3f}\t{ids[match.id]}\t{prepare(texts[match.id])[:60]}", file=out)
    return 0


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    prog: str = "gongzhi intel",
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser(prog).parse_args(list(argv) if argv is not None else None)
        commands = {
            "train": cmd_train,
            "evaluate": cmd_evaluate,
            "predict": cmd_predict,
            "build-default": cmd_build_default,
            "hotspots": cmd_hotspots,
            "duplicates": cmd_duplicates,
        }
        return commands[args.command](args, out, err)
    except (UsageError, TableError, ModelError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=err)
        return 130
    except MemoryError:
        print("error: out of memory; try a smaller file", file=err)
        return 1
    except Exception as exc:  # last resort: one line, never a traceback
        print(f"error: unexpected failure: {type(exc).__name__}: {exc}", file=err)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(prog="python -m gongzhi.intel.cli"))
