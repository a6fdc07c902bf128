"""The .xlsx cell reader: right sheet, right rows, and damaged or hostile files refused."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from gongzhi.org.register_io import XlsxError, xlsx_rows


def read(data: bytes, **kw: Any) -> list[tuple[int, list[Any]]]:
    kw = {"prefer": "居民台账", "skip": "说明", "max_columns": 60, **kw}
    return list(xlsx_rows(data, **kw))


def workbook(
    rows: list[list[Any]], *, sheets: tuple[str, ...] = ("说明", "居民台账"), data: str = "居民台账"
) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name in sheets:
        ws = wb.create_sheet(name)
        for row in rows if name == data else [["help text"]]:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_reads_the_register_sheet_not_the_help_sheet():
    data = workbook([["楼栋编码", "房号"], ["B1", "101"], [None, None], ["B2", 202]])
    assert read(data) == [(1, ["楼栋编码", "房号"]), (2, ["B1", "101"]), (4, ["B2", 202])]


def test_falls_back_to_the_first_sheet_that_is_not_help():
    data = workbook([["a", "b"]], sheets=("说明", "Sheet1"), data="Sheet1")
    assert read(data) == [(1, ["a", "b"])]


def test_rows_are_cut_at_max_columns_and_trailing_blanks_trimmed():
    data = workbook([[1, None, 3, 4, 5, None, None]])
    assert read(data, max_columns=4) == [(1, [1, None, 3, 4])]
    assert read(data) == [(1, [1, None, 3, 4, 5])]


@pytest.mark.parametrize("data", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_damaged_workbooks_raise_xlsx_error(data):
    with pytest.raises(XlsxError):
        read(data)


def test_a_zip_without_a_workbook_raises_xlsx_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(XlsxError):
        read(buffer.getvalue())


def test_entity_expansion_is_refused():
    # given a real workbook whose sheet declares a "billion laughs" entity
    data = workbook([["x"]], sheets=("居民台账",))
    source = zipfile.ZipFile(io.BytesIO(data))
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = bomb.encode()
            z.writestr(item, body)
    # then reading it fails cleanly instead of expanding the entities
    with pytest.raises(XlsxError):
        read(out.getvalue())
