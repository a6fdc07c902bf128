from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from gongzhi.intel import cli

from .conftest import make_corpus


def _write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["内容", "类别"])
        writer.writerows(rows)
    return path


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    texts, labels = make_corpus(60)
    data = _write_csv(tmp / "train.csv", zip(texts, labels, strict=True), encoding="gbk")
    code, out, err = run(
        [
            "train",
            "--csv",
            str(data),
            "--text",
            "内容",
            "--label",
            "类别",
            "--out",
            str(tmp / "model"),
        ]
    )
    assert code == 0, err
    return tmp, out, err


def test_train_reads_gbk_and_reports_held_out_f1(trained):
    tmp, out, err = trained
    assert "gbk" in err
    assert "held-out (12 rows, trained on 48)" in out
    assert out.strip().splitlines()[-1].startswith("macro_f1=")
    assert (tmp / "model" / "metadata.json").is_file()


def test_evaluate_prints_report_and_last_line(trained):
    tmp, _, _ = trained
    texts, labels = make_corpus(21, seed=4)
    data = _write_csv(tmp / "test.csv", zip(texts, labels, strict=True), encoding="utf-8-sig")
    code, out, err = run(
        [
            "evaluate",
            "--model",
            str(tmp / "model"),
            "--csv",
            str(data),
            "--text",
            "内容",
            "--label",
            "类别",
        ]
    )
    assert code == 0, err
    assert "confusion matrix" in out and "precision" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("macro_f1=1.0000 accuracy=1.0000 rate=") and last.endswith("/s")


def test_evaluate_warns_about_unseen_labels(trained):
    tmp, _, _ = trained
    data = _write_csv(tmp / "unseen.csv", [("公交太少", "交通"), ("陌生的事", "新类别")])
    code, out, err = run(
        [
            "evaluate",
            "--model",
            str(tmp / "model"),
            "--csv",
            str(data),
            "--text",
            "内容",
            "--label",
            "类别",
        ]
    )
    assert code == 0
    assert "never saw (新类别)" in err
    last = out.strip().splitlines()[-1]
    assert "accuracy=0.5000" in last and "macro_f1=1.0000" not in last


def test_missing_column_is_a_clear_error(trained):
    tmp, _, _ = trained
    data = _write_csv(tmp / "x.csv", [("a", "b")])
    code, _, err = run(
        ["train", "--csv", str(data), "--text", "正文", "--label", "类别", "--out", str(tmp / "m2")]
    )
    assert code == 2
    assert err.startswith("error:") and "no column '正文'" in err and "内容" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf\n\n", "empty"),
        ("内容,类别\n".encode(), "no data rows"),
        (b"\x00\x01\x02\xff\xfe" * 50, ""),
    ],
)
def test_bad_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, _, err = run(
        [
            "train",
            "--csv",
            str(path),
            "--text",
            "内容",
            "--label",
            "类别",
            "--out",
            str(tmp_path / "m"),
        ]
    )
    assert code == 2
    assert err.startswith("error:") and message in err
    assert "Traceback" not in err


def test_missing_file_and_model(tmp_path):
    code, _, err = run(
        ["evaluate", "--model", str(tmp_path), "--csv", "nope.csv", "--text", "a", "--label", "b"]
    )
    assert code == 2 and "not a model directory" in err
    code, _, err = run(
        [
            "train",
            "--csv",
            str(tmp_path / "nope.csv"),
            "--text",
            "a",
            "--label",
            "b",
            "--out",
            str(tmp_path / "m"),
        ]
    )
    assert code == 2 and "no such file" in err


def test_usage_errors_do_not_exit():
    code, _, err = run(["train", "--csv"])
    assert code == 2 and err.startswith("error:")


def test_xlsx_input(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["内容", "类别"])
    texts, labels = make_corpus(30)
    for row in zip(texts, labels, strict=True):
        ws.append(row)
    book.save(tmp_path / "d.xlsx")
    code, _, err = run(
        [
            "train",
            "--csv",
            str(tmp_path / "d.xlsx"),
            "--text",
            "内容",
            "--label",
            "类别",
            "--out",
            str(tmp_path / "m"),
        ]
    )
    assert code == 0, err
    assert "xlsx" in err


def test_module_entry_point(trained):
    tmp, _, _ = trained
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "gongzhi.intel.cli",
            "predict",
            "--model",
            str(tmp / "model"),
            "公交车班次太少",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("交通\t")
