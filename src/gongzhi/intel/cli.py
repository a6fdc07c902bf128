"""Command line for the routing classifier (no Django).

    python -m gongzhi.intel.cli train --csv FILE --text COL --label COL --out DIR
    python -m gongzhi.intel.cli evaluate --model DIR --csv FILE --text COL --label COL
    python -m gongzhi.intel.cli predict --model DIR [TEXT ...]

``gongzhi intel train|evaluate|predict`` (the management command) calls :func:`main`
with the same arguments.  Every failure is one ``error: ...`` line on stderr and exit
status 2 (bad input) or 1 (anything else) — never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from gongzhi.intel.classifier import Model, ModelError, TrainConfig, train
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
        import csv

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
