"""The household register file format, shared by the template, the import and the export.

One row per resident; the household columns repeat on every member's row. Row 1 of the
data sheet ("居民台账") holds the Chinese header; each header cell carries a comment naming the
English column key (`building_code`, `room`, ...). The importer finds the header row among
the first rows of the sheet and matches its cells by Chinese header, English key or English
label, in any order, so a community's own sheet with a title row above the header also works.

Labels in the cells (性别, 与户主关系, 产权, 标签) are written in Chinese, always: the file is a
data format that must read the same whatever language the person exporting it uses. The
importer also accepts the stored codes and the English labels.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gongzhi.org.models import Gender, Ownership, Region, RegionKind, Relation, Tag
from gongzhi.org.scopes import EXPORT_ROLES, IMPORT_ROLES, scope_for

DATA_SHEET = "居民台账"
HELP_SHEET = "说明"
EXAMPLE_MARKERS = frozenset({"示例", "example"})
CLEAR_TAGS = frozenset({"无", "none", "-", "—"})
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 60
# Rows of the data sheet that carry drop-down lists and text formatting.
VALIDATION_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese, as written in row 1
    label: Promise  # English msgid, for the help sheet
    help: Promise
    width: int
    required: bool = False
    text: bool = False  # formatted as text so Excel keeps leading zeros and long digits
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        "building_code",
        "楼栋编码",
        _("Building code"),
        _("Code of the building, from the list below. Required."),
        14,
        required=True,
        text=True,
        aliases=("楼栋代码", "楼栋编号", "楼栋"),
    ),
    Column(
        "unit",
        "单元",
        _("Unit"),
        _("Unit (entrance) number, if the building has units."),
        8,
        text=True,
        aliases=("单元号",),
    ),
    Column(
        "room",
        "房号",
        _("Room"),
        _("Room or door number. Required."),
        10,
        required=True,
        text=True,
        aliases=("房间号", "门牌号", "室"),
    ),
    Column(
        "floor_area",
        "建筑面积(㎡)",
        _("Floor area (m²)"),
        _("Floor area in square metres, a positive number."),
        13,
        aliases=("建筑面积", "面积", "建筑面积(m²)", "建筑面积(平方米)", "floor area"),
    ),
    Column(
        "ownership",
        "产权",
        _("Ownership"),
        _("One of the ownership values below."),
        10,
        aliases=("产权性质", "房屋产权"),
    ),
    Column(
        "name",
        "姓名",
        _("Name"),
        _("Full name of the resident. Leave empty to register only the household."),
        12,
        required=True,
        aliases=(),
    ),
    Column(
        "relation",
        "与户主关系",
        _("Relation to head"),
        _("One of the relation values below; at most one head per household."),
        12,
        aliases=("关系", "与户主的关系", "relation to head"),
    ),
    Column(
        "gender",
        "性别",
        _("Gender"),
        _("男 or 女; taken from the ID number when empty."),
        8,
        aliases=(),
    ),
    Column(
        "birth_year",
        "出生年份",
        _("Birth year"),
        _("Four digits; must agree with the ID number."),
        10,
        aliases=("出生年", "出生年份(年)"),
    ),
    Column(
        "phone",
        "手机号",
        _("Mobile phone"),
        _("11-digit mobile number."),
        15,
        text=True,
        aliases=("手机号码", "联系电话", "电话", "mobile phone"),
    ),
    Column(
        "id_number",
        "身份证号",
        _("ID number"),
        _("18-character resident ID number, entered as text."),
        21,
        text=True,
        aliases=("身份证号码", "公民身份号码", "身份证", "id number"),
    ),
    Column(
        "tags",
        "标签",
        _("Tags"),
        _("Tags from the list below, separated by 、 or , or ;. 无 removes all tags."),
        18,
        aliases=("人员标签", "人员类别"),
    ),
)
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.required)
PERSON_KEYS = ("name", "relation", "gender", "birth_year", "phone", "id_number", "tags")

# Canonical Chinese cell labels (part of the file format, see the module docstring).
GENDER_LABELS: dict[str, str] = {Gender.MALE: "男", Gender.FEMALE: "女"}
RELATION_LABELS: dict[str, str] = {
    Relation.HEAD: "户主",
    Relation.SPOUSE: "配偶",
    Relation.CHILD: "子女",
    Relation.PARENT: "父母",
    Relation.GRANDCHILD: "孙子女",
    Relation.OTHER: "其他",
}
OWNERSHIP_LABELS: dict[str, str] = {
    Ownership.OWNER: "自有",
    Ownership.TENANT: "租住",
    Ownership.PUBLIC: "公房",
    Ownership.VACANT: "空置",
}
TAG_LABELS: dict[str, str] = {
    Tag.ELDERLY_ALONE: "独居老人",
    Tag.EMPTY_NEST: "空巢老人",
    Tag.DISABILITY: "残疾人",
    Tag.LOW_INCOME: "低保",
    Tag.VETERAN: "退役军人",
    Tag.LEFT_BEHIND_CHILD: "留守儿童",
    Tag.SERIOUS_ILLNESS: "大病",
}
_EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "gender": {"男性": "m", "女性": "f", "male": "m", "female": "f", "未知": ""},
    "relation": {
        "本人": "head",
        "妻": "spouse",
        "妻子": "spouse",
        "夫": "spouse",
        "丈夫": "spouse",
        "子": "child",
        "女": "child",
        "儿子": "child",
        "女儿": "child",
        "长子": "child",
        "次子": "child",
        "长女": "child",
        "次女": "child",
        "父亲": "parent",
        "母亲": "parent",
        "父": "parent",
        "母": "parent",
        "孙子": "grandchild",
        "孙女": "grandchild",
        "外孙": "grandchild",
        "外孙子": "grandchild",
        "外孙女": "grandchild",
        "其它": "other",
    },
    "ownership": {
        "自住": "owner",
        "自有住房": "owner",
        "租赁": "tenant",
        "租房": "tenant",
        "公租房": "public",
        "空房": "vacant",
    },
    "tags": {
        "独居": "elderly_alone",
        "空巢": "empty_nest",
        "残疾": "disability",
        "低保户": "low_income",
        "重病": "serious_illness",
        "重大疾病": "serious_illness",
    },
}
_CHOICES: dict[str, tuple[type[Any], dict[str, str]]] = {
    "gender": (Gender, GENDER_LABELS),
    "relation": (Relation, RELATION_LABELS),
    "ownership": (Ownership, OWNERSHIP_LABELS),
    "tags": (Tag, TAG_LABELS),
}
TAG_SPLIT_RE = re.compile(r"[、,，;；\n]+")


def fold(text: str) -> str:
    """Normalise a header or label for matching: NFKC, no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


@lru_cache(maxsize=1)
def _lookup_tables() -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {}
    for key, (choices, chinese) in _CHOICES.items():
        table: dict[str, str] = {}
        for value, label in zip(choices.values, choices.labels, strict=True):
            if not value:
                continue
            table[fold(value)] = value
            table[fold(value.replace("_", " "))] = value
            with translation.override("en"):
                table[fold(str(label))] = value
            table[fold(chinese[value])] = value
        for alias, value in _EXTRA_ALIASES.get(key, {}).items():
            table[fold(alias)] = value
        tables[key] = table
    return tables


def lookup_choice(key: str, text: str) -> str | None:
    """The stored code for a cell label (Chinese, English or code), or None if unknown."""
    return _lookup_tables()[key].get(fold(text))


@lru_cache(maxsize=1)
def header_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS:
        names = [column.key, column.header, *column.aliases]
        with translation.override("en"):
            names.append(str(column.label))
        for name in names:
            table[fold(name).lstrip("*")] = column.key
    return table


def header_key(text: str) -> str | None:
    folded = fold(text).lstrip("*").replace("（", "(").replace("）", ")")
    return header_lookup().get(folded)


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort "2" before "10" in room and unit numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


# --- buildings in the actor's reach -------------------------------------------------------------


@dataclass(frozen=True)
class BuildingInfo:
    code: str
    name: str
    grid: str
    community: str


REGISTER_ROLES = IMPORT_ROLES | EXPORT_ROLES


def buildings_in_reach(actor: Any, roles: Iterable[str]) -> QuerySet[Region]:
    """Buildings the actor reaches through `roles` (the platform administrator: all)."""
    scope = scope_for(actor)
    return (
        Region.objects.filter(kind=RegionKind.BUILDING)
        .filter(scope.q("path", roles))
        .select_related("parent__parent")
    )


def building_infos(actor: Any, roles: Iterable[str]) -> list[BuildingInfo]:
    out = []
    for b in buildings_in_reach(actor, roles):
        grid = b.parent
        community = grid.parent if grid is not None else None
        out.append(
            BuildingInfo(
                code=b.code,
                name=b.name,
                grid=grid.name if grid else "",
                community=community.name if community else "",
            )
        )
    out.sort(key=lambda i: (i.community, i.grid, natural_key(i.code)))
    return out


# --- writing a register workbook (template and export) ----------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_EXAMPLE_FONT = Font(italic=True, color="808080")
_TITLE_FONT = Font(bold=True, size=14)


def _help_rows(
    buildings: Sequence[BuildingInfo], notes: Sequence[str]
) -> tuple[list[list[Any]], int]:
    """Rows of the 说明 sheet and the row number where the building codes start."""
    rows: list[list[Any]] = [[str(_("How to fill in the household register"))], []]
    rows.extend([[note] for note in notes])
    rows.append([])
    rows.append(
        [
            str(_("Column")),
            str(_("Header")),
            str(_("Key")),
            str(_("Required")),
            str(_("What to enter")),
        ]
    )
    for index, column in enumerate(COLUMNS, start=1):
        rows.append(
            [
                get_column_letter(index),
                column.header,
                column.key,
                str(_("yes")) if column.required else "",
                str(column.help),
            ]
        )
    rows.append([])
    rows.append([str(_("Valid values"))])
    rows.append([COLUMN_BY_KEY["gender"].header, "、".join(GENDER_LABELS.values())])
    rows.append([COLUMN_BY_KEY["relation"].header, "、".join(RELATION_LABELS.values())])
    rows.append([COLUMN_BY_KEY["ownership"].header, "、".join(OWNERSHIP_LABELS.values())])
    rows.append([COLUMN_BY_KEY["tags"].header, "、".join(TAG_LABELS.values())])
    rows.append([])
    rows.append([str(_("Building codes in your area"))])
    rows.append([str(_("Building code")), str(_("Building")), str(_("Grid")), str(_("Community"))])
    first = len(rows) + 1
    rows.extend([[b.code, b.name, b.grid, b.community] for b in buildings])
    if not buildings:
        rows.append([str(_("(no buildings in your area yet)"))])
    return rows, first


def general_notes() -> list[str]:
    return [
        str(
            _(
                "One row per resident. The household columns (building code to ownership) "
                "repeat on the row of every member of the household."
            )
        ),
        str(
            _("A row with an empty name registers only the household (for example a vacant flat).")
        ),
        str(
            _(
                "Households are matched by building code, unit and room; residents by ID "
                "number, else by household and name. Matching rows update, others are added."
            )
        ),
        str(
            _(
                "An empty cell keeps what is already stored. Write 无 in the tags column to "
                "remove all tags."
            )
        ),
        str(_("Rows whose building code is 示例 are examples and are skipped.")),
        str(
            _(
                "If any cell is wrong, nothing is imported and every problem is listed with "
                "its row and column."
            )
        ),
        str(_("Upload .xlsx, or .csv with the same header (UTF-8 or GBK), at most 10 MB.")),
    ]


def _as_text(ws: Any, value: str) -> Cell:
    """A cell that holds `value` as text: openpyxl would make "=..." a formula, and a name
    like =HYPERLINK(...) must not run when the export is opened."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def build_workbook(
    *,
    rows: Iterable[Sequence[Any]],
    buildings: Sequence[BuildingInfo],
    notes: Sequence[str],
    example: Sequence[Any] | None = None,
) -> bytes:
    """A register workbook: the data sheet (header, optional example, `rows`) and 说明."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    help_rows, first_code_row = _help_rows(buildings, notes)

    last = get_column_letter(len(COLUMNS))
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        dim = ws.column_dimensions[letter]
        dim.width = column.width
        if column.text:
            dim.number_format = "@"
    ws.freeze_panes = "A2"

    def col_range(key: str) -> str:
        letter = get_column_letter(list(COLUMN_BY_KEY).index(key) + 1)
        return f"{letter}2:{letter}{VALIDATION_ROWS}"

    def add_list(key: str, labels: Iterable[str], *, strict: bool) -> None:
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(labels) + '"',
            allow_blank=True,
            showErrorMessage=strict,
        )
        dv.add(col_range(key))
        ws.data_validations.append(dv)

    add_list("gender", GENDER_LABELS.values(), strict=True)
    add_list("relation", RELATION_LABELS.values(), strict=True)
    add_list("ownership", OWNERSHIP_LABELS.values(), strict=True)
    add_list("tags", TAG_LABELS.values(), strict=False)
    if buildings:
        last_code_row = first_code_row + len(buildings) - 1
        dv = DataValidation(
            type="list",
            formula1=f"'{HELP_SHEET}'!$A${first_code_row}:$A${last_code_row}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        dv.add(col_range("building_code"))
        ws.data_validations.append(dv)

    header: list[Any] = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.comment = Comment(f"{column.key}\n{column.help}", "Gongzhi", width=220, height=90)
        header.append(cell)
    ws.append(header)
    if example is not None:
        cells = []
        for value in example:
            cell = WriteOnlyCell(ws, value=value)
            cell.font = _EXAMPLE_FONT
            cells.append(cell)
        ws.append(cells)
    for row in rows:
        ws.append([_as_text(ws, v) if isinstance(v, str) and v.startswith("=") else v for v in row])
    ws.auto_filter.ref = f"A1:{last}1"

    help_ws = wb.create_sheet(HELP_SHEET)
    for letter, width in zip("ABCDE", (16, 16, 16, 16, 60), strict=True):
        help_ws.column_dimensions[letter].width = width
    for index, help_row in enumerate(help_rows, start=1):
        if index == 1:
            title = WriteOnlyCell(help_ws, value=help_row[0])
            title.font = _TITLE_FONT
            help_ws.append([title])
        else:
            help_ws.append(
                [
                    _as_text(help_ws, v) if isinstance(v, str) and v.startswith("=") else v
                    for v in help_row
                ]
            )

    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- reading the cells of an .xlsx sheet ------------------------------------------------------
#
# openpyxl in read-only mode streams the sheet; with defusedxml installed (a dependency) it
# parses every part with entity expansion forbidden. Uncompressed sizes are checked first so a
# zip bomb is refused before anything is inflated.

_MAX_PART_BYTES = 400 * 1024 * 1024


class XlsxError(Exception):
    """The workbook is damaged or is not a spreadsheet."""


def xlsx_rows(
    data: bytes, *, prefer: str, skip: str, max_columns: int
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of sheet `prefer`, else of the first sheet not named `skip`.

    Empty rows are left out; trailing empty cells are trimmed and rows cut at `max_columns`.
    Raises XlsxError on damage.
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if any(info.file_size > _MAX_PART_BYTES for info in archive.infolist()):
                raise XlsxError("a part of the workbook is too large")
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            names = workbook.sheetnames
            chosen = prefer if prefer in names else next((n for n in names if n != skip), None)
            if chosen is None:
                raise XlsxError("no worksheet")
            sheet = workbook[chosen]
            for row in sheet.iter_rows(max_col=max_columns):
                values: list[Any] = [cell.value for cell in row]
                while values and values[-1] is None:
                    values.pop()
                if values:
                    yield int(row[0].row or 0), values
        finally:
            workbook.close()
    except XlsxError:
        raise
    except Exception as exc:  # zip, XML, entity bombs, bad indexes: all mean a damaged file
        raise XlsxError(str(exc)) from exc
