from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from gongzhi.intel import cli

HEADER = ["编号", "用户", "主题", "时间", "详情", "点赞数"]
ROWS = [
    [
        "101",
        "U1",
        "丽水花园3栋停水",
        "2026-09-01 08:00:00",
        "丽水花园3栋停水两天了，请尽快恢复供水",
        "3",
    ],
    [
        "102",
        "U2",
        "丽水花园3栋又停水",
        "2026/9/1 12:00",
        "丽水花园3栋停水两天了，家里没水做饭",
        "1",
    ],
    ["103", "U3", "丽水花园停水", "2026年9月2日", "丽水花园3栋停水，请尽快恢复供水", "x"],
    [
        "104",
        "U4",
        "人民路公交站台广告牌倒了",
        "2026-09-02 09:00",
        "人民路公交站台广告牌倒了，很危险",
        "0",
    ],
    ["105", "U5", "幼儿园收费太高", "not a date", "希望多建公办幼儿园", "0"],
]


def _write(path, rows=ROWS, header=HEADER, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _args(path, *extra):
    return [
        "hotspots",
        "--csv",
        str(path),
        "--text",
        "主题+详情",
        "--time",
        "时间",
        "--id",
        "编号",
        "--votes",
        "点赞数",
        "--resident",
        "用户",
        *extra,
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-8-sig"])
def test_hotspots_csv_writes_one_row_per_message(tmp_path, encoding):
    data = _write(tmp_path / "m.csv", encoding=encoding)
    out_csv = tmp_path / "groups.csv"
    code, out, err = run(_args(data, "--out", str(out_csv)))
    assert code == 0, err
    with open(out_csv, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "hotspot"]
    assert rows[1:] == [["101", "1"], ["102", "1"], ["103", "1"], ["104", ""], ["105", ""]]
    assert "#1" in out and "3 messages, 3 residents, votes 4" in out
    assert "丽水花园" in out
    assert "1 hotspots, 3 of 5 messages grouped" in out
    assert "1 rows with a non-numeric vote count" in err
    assert "1 rows with an unreadable time" in err
    assert "100%" in err  # progress bar


def test_hotspots_window_keeps_the_last_days(tmp_path):
    rows = [*ROWS, ["106", "U6", "丽水花园3栋停水", "2026-08-01 08:00", "丽水花园3栋停水了", "0"]]
    data = _write(tmp_path / "m.csv", rows=rows)
    code, out, err = run(_args(data, "--window", "7d", "--no-progress"))
    assert code == 0, err
    assert "3 of 5 messages grouped" in out  # 106 is a month older; 105 sits at the median
    assert "%" not in err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"\x00\x01\x02binary\xff\xfe" * 50), "decode"),
        (lambda p: p.write_bytes(b"a,b\n\x00\x00,1\n" * 5), "binary"),
        (lambda p: p.write_bytes("编号,主题\n".encode()), "no data rows"),
        (lambda p: _write(p, header=["编号", "用户", "主题", "时刻", "详情", "点赞数"]), "时间"),
        (lambda p: p.write_bytes(b"\x81\x30\x81" * 3 + b"\xff\xff\xff"), "decode"),
    ],
)
def test_hotspots_bad_files_are_one_line_errors(tmp_path, make, message):
    path = tmp_path / "bad.csv"
    make(path)
    code, _out, err = run(_args(path))
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_hotspots_usage_errors(tmp_path):
    data = _write(tmp_path / "m.csv")
    code, _, err = run(_args(data, "--window", "fortnight"))
    assert code == 2 and "window" in err
    code, _, err = run(["hotspots", "--csv", str(data), "--text", "详情", "--window", "7d"])
    assert code == 2 and "--time" in err
    code, _, err = run(_args(data, "--threshold", "3"))
    assert code == 2 and "--threshold" in err


def test_hotspots_without_time_and_mixed_texts(tmp_path):
    rows = [
        ["1", "", "", "", "Lift broken again 电梯坏了 3 days", "0"],
        ["2", "", "", "", "电梯坏了 lift broken 3 days again", "0"],
        ["3", "", "", "", "", "0"],
        ["4", "", "", "", "x" * 200_000, "0"],
    ]
    data = _write(tmp_path / "m.csv", rows=rows)
    code, _out, err = run(["hotspots", "--csv", str(data), "--text", "详情", "--no-progress"])
    assert code == 0, err
    assert "1 rows with an empty text" in err
    assert "Traceback" not in err


def test_duplicates_command(tmp_path):
    data = _write(tmp_path / "m.csv")
    code, out, err = run(
        [
            "duplicates",
            "--csv",
            str(data),
            "--text",
            "详情",
            "--id",
            "编号",
            "-k",
            "2",
            "丽水花园3栋停水了",
        ]
    )
    assert code == 0, err
    ids = [line.split("\t")[1] for line in out.splitlines()]
    assert len(ids) == 2 and set(ids) <= {"101", "102", "103"}


def test_module_entry_point_for_hotspots(tmp_path):
    data = _write(tmp_path / "m.csv")
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "gongzhi.intel.cli", *_args(data, "--no-progress")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "#1" in proc.stdout
