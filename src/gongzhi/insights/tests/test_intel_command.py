import csv
import io
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


def test_hotspots_csv_through_the_gongzhi_command(tmp_path):
    # given a GBK export of messages, three about the same outage
    data = tmp_path / "messages.csv"
    rows = [
        ("1", "丽水花园3栋停水", "2026-09-01 08:00", "丽水花园3栋停水两天了，请尽快恢复供水"),
        ("2", "丽水花园3栋又停水", "2026-09-01 12:00", "丽水花园3栋停水两天了，家里没水做饭"),
        ("3", "丽水花园停水", "2026-09-02 08:00", "丽水花园3栋停水，请尽快恢复供水"),
        ("4", "公交站台广告牌倒了", "2026-09-02 09:00", "人民路公交站台广告牌倒了"),
    ]
    with data.open("w", newline="", encoding="gbk") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "主题", "时间", "详情"])
        writer.writerows(rows)
    groups = tmp_path / "groups.csv"
    gongzhi = Path(sys.executable).with_name("gongzhi")
    # when the console command mines it
    proc = subprocess.run(  # noqa: S603
        [
            str(gongzhi),
            "intel",
            "hotspots",
            "--csv",
            str(data),
            "--text",
            "主题+详情",
            "--time",
            "时间",
            "--id",
            "编号",
            "--out",
            str(groups),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # then one hotspot is printed and every message has its row
    assert proc.returncode == 0, proc.stderr
    assert "#1" in proc.stdout and "3 messages" in proc.stdout
    with groups.open(encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [
            ["id", "hotspot"],
            ["1", "1"],
            ["2", "1"],
            ["3", "1"],
            ["4", ""],
        ]


def test_hotspots_db_mode_without_appeals_prints_none(db):
    out = io.StringIO()
    call_command("intel", "hotspots", "--window", "7d", "--no-progress", stdout=out)
    assert "no hotspots" in out.getvalue()
