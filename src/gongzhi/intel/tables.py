"""Reading labelled tables (CSV, TSV, xlsx) the way government exports come.

Encodings tried in order: UTF-8 with or without BOM, GB18030 (a superset of GBK and
GB2312, the usual encoding of Chinese spreadsheet exports).  Every problem becomes a
:class:`TableError` with a message a person can act on.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENCODINGS = ("utf-8-sig", "gb18030")
#: Largest file we read (bytes): far more than any appeal history, far less than memory.
MAX_FILE_BYTES = 2 * 1024**3

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class TableError(Exception):
    """A table can't be read or lacks what was asked for; the message says why."""


@dataclass
class Table:
    path: Path
    columns: list[str]
    rows: list[list[str]]
    encoding: str

    def column(self, spec: str) -> list[str]:
        """Values of one column; ``"A+B"`` joins columns A and B with a newline."""
        names = [part.strip() for part in spec.split("+")] if spec not in self.columns else [spec]
        indexes = []
        for name in names:
            if name not in self.columns:
                shown = ", ".join(self.columns[:30]) or "(none)"
                raise TableError(f"{self.path.name}: no column {name!r}; the columns are: {shown}")
            indexes.append(self.columns.index(name))
        out = []
        for row in self.rows:
            parts = [row[i] if i < len(row) else "" for i in indexes]
            out.append("\n".join(p for p in parts if p))
        return out


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding), "gbk/gb18030" if encoding == "gb18030" else encoding
        except UnicodeDecodeError:
            continue
    raise TableError(
        f"{path.name}: cannot decode the file as UTF-8 or GBK/GB18030; "
        "save it as 'CSV UTF-8' or as .xlsx"
    )


def _read_csv(path: Path, raw: bytes) -> Table:
    text, encoding = _decode(raw, path)
    if "\x00" in text[:4096]:
        raise TableError(f"{path.name}: looks like a binary file, not CSV text")
    sample = text[:65536]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    if path.suffix.lower() not in {".tsv", ".csv"}:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [row for row in reader]
    except csv.Error as exc:
        raise TableError(f"{path.name}: malformed CSV ({exc})") from exc
    return _table(path, rows, encoding)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover
        raise TableError("reading .xlsx needs the openpyxl package") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"{path.name}: not a readable .xlsx workbook ({exc})") from exc
    try:
        if sheet and sheet not in book.sheetnames:
            raise TableError(f"{path.name}: no sheet {sheet!r}; sheets: {book.sheetnames}")
        ws: Any = book[sheet] if sheet else book.worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)
        ]
    finally:
        book.close()
    return _table(path, rows, "xlsx")


def _table(path: Path, rows: list[list[str]], encoding: str) -> Table:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise TableError(f"{path.name}: the file is empty")
    header = [c.strip() for c in rows[0]]
    if not any(header):
        raise TableError(f"{path.name}: the first row must name the columns")
    body = rows[1:]
    if not body:
        raise TableError(f"{path.name}: has a header but no data rows")
    return Table(path, header, body, encoding)


def read_table(path: str | Path, *, sheet: str | None = None) -> Table:
    """Read a CSV/TSV (any of :data:`ENCODINGS`) or .xlsx file with a header row."""
    target = Path(path)
    if not target.exists():
        raise TableError(f"{target}: no such file")
    if not target.is_file():
        raise TableError(f"{target}: not a file")
    size = target.stat().st_size
    if size == 0:
        raise TableError(f"{target.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise TableError(f"{target.name}: larger than {MAX_FILE_BYTES // 1024**2} MB")
    try:
        if target.suffix.lower() in {".xlsx", ".xlsm"}:
            return _read_xlsx(target, sheet)
        raw = target.read_bytes()
    except OSError as exc:
        raise TableError(f"{target}: cannot read ({exc.strerror or exc})") from exc
    if raw[:4] == b"PK\x03\x04":  # an .xlsx saved under another name
        return _read_xlsx(target, sheet)
    return _read_csv(target, raw)
