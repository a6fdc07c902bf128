import csv
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.intel.synthetic import generate


def _write_corpus(path: Path, n: int = 240) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        for appeal in generate(n, seed=7):
            writer.writerow([appeal.text, appeal.label])


def test_train_then_evaluate_through_the_gongzhi_command(tmp_path):
    # given a small labelled corpus
    corpus = tmp_path / "corpus.csv"
    _write_corpus(corpus)
    model_dir = tmp_path / "model"
    # when it is trained and evaluated with the console command
    gongzhi = Path(sys.executable).with_name("gongzhi")
    train = subprocess.run(  # noqa: S603
        [
            str(gongzhi),
            "intel",
            "train",
            "--csv",
            str(corpus),
            "--text",
            "text",
            "--label",
            "label",
            "--out",
            str(model_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert train.returncode == 0, train.stderr
    evaluate = subprocess.run(  # noqa: S603
        [
            str(gongzhi),
            "intel",
            "evaluate",
            "--model",
            str(model_dir),
            "--csv",
            str(corpus),
            "--text",
            "text",
            "--label",
            "label",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # then the last line is the machine-readable summary
    assert evaluate.returncode == 0, evaluate.stderr
    last = evaluate.stdout.strip().splitlines()[-1]
    assert last.startswith("macro_f1=") and " accuracy=" in last and last.endswith("/s")


def test_call_command_reports_errors_without_a_traceback(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(CommandError):
        call_command(
            "intel",
            "evaluate",
            "--model",
            str(tmp_path),
            "--csv",
            str(missing),
            "--text",
            "t",
            "--label",
            "l",
        )
