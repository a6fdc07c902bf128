"""Import of the household register (.xlsx or .csv): check every cell, then apply all or nothing.

`import_register` reads the whole file first and checks each cell on its own (formats, labels,
ID check digit, birth year against the ID), then, inside one transaction, checks what needs
the database (building exists and is in the actor's area, who is who, one head per
household). Every problem becomes a `CellError` naming the row as Excel shows it and the
column letter and header; if there is any, nothing is written. Otherwise households and people
are created or updated with bulk queries, with one audit event per changed object and one
"register.import" summary event.

Matching: a household by (building, unit, room); a person by ID number, else by household and
name. An empty cell keeps the stored value; 无 in the tags column removes all tags.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from gongzhi.core.context import current_request_id
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.models import AuditEvent
from gongzhi.core.validators import (
    birth_year_from_id,
    gender_from_id,
    validate_id_number,
    validate_mobile,
)
from gongzhi.org.models import Household, Ownership, Person, PersonTag, Region, RegionKind
from gongzhi.org.register_io import (
    CLEAR_TAGS,
    COLUMN_BY_KEY,
    DATA_SHEET,
    EXAMPLE_MARKERS,
    GENDER_LABELS,
    HELP_SHEET,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    OWNERSHIP_LABELS,
    PERSON_KEYS,
    RELATION_LABELS,
    REQUIRED_KEYS,
    TAG_LABELS,
    TAG_SPLIT_RE,
    XlsxError,
    fold,
    header_key,
    lookup_choice,
    xlsx_rows,
)
from gongzhi.org.scopes import IMPORT_ROLES, Scope, scope_for

HEADER_SEARCH_ROWS = 10
CHUNK = 500  # ids per IN (...) query: well under every database's parameter limit
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class CellError:
    """One problem: the row as Excel numbers it, "K 身份证号", and why (in the user's language)."""

    row: int | None
    column: str
    message: str


@dataclass
class ImportReport:
    file_name: str = ""
    rows: int = 0
    skipped: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "rows": self.rows,
            "skipped": self.skipped,
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "households_unchanged": self.households_unchanged,
            "people_created": self.people_created,
            "people_updated": self.people_updated,
            "people_unchanged": self.people_unchanged,
        }


# --- reading the file ---------------------------------------------------------------------------


@dataclass
class Sheet:
    columns: dict[str, tuple[int, str]]  # key -> (0-based index, header text as in the file)
    header_row: int
    rows: list[tuple[int, Sequence[Any]]]  # (row number as Excel shows it, values)
    ignored: list[str]

    def label(self, key: str) -> str:
        if key in self.columns:
            index, text = self.columns[key]
            return f"{get_column_letter(index + 1)} {text}"
        return COLUMN_BY_KEY[key].header


def _read_bytes(file: Any) -> bytes:
    size = getattr(file, "size", None)
    if isinstance(size, int) and size > MAX_FILE_BYTES:
        raise ValidationFailed(_("The file is larger than 10 MB; split it."), field="file")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(_("The file is larger than 10 MB; split it."), field="file")
    return bytes(data)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        yield from xlsx_rows(data, prefer=DATA_SHEET, skip=HELP_SHEET, max_columns=MAX_COLUMNS)
    except XlsxError as exc:
        raise ValidationFailed(
            _("This file could not be read as an Excel workbook (.xlsx). Is it damaged?"),
            field="file",
        ) from exc


def _decode(data: bytes) -> str:
    """UTF-8 with or without a BOM, else GBK (as GB 18030, its superset)."""
    encodings = ["utf-8"] if data.startswith(codecs.BOM_UTF8) else ["utf-8", "gb18030"]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(
        _("The CSV file is neither UTF-8 nor GBK text. Save it again as CSV (UTF-8)."),
        field="file",
    )


def _csv_rows(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    text = _decode(data)
    if "\x00" in text:
        raise ValidationFailed(_("This is not a text CSV file."), field="file")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, [_unwrap_formula_text(v) for v in values[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise ValidationFailed(
            _("The CSV file is malformed: %(reason)s") % {"reason": str(exc)}, field="file"
        ) from exc


def _unwrap_formula_text(value: str) -> str:
    """="110105..." is how many systems force Excel to keep a long number as text in a CSV."""
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        return value[2:-1]
    return value


def read_sheet(file: Any) -> Sheet:
    """The header and the non-empty rows of an uploaded .xlsx or .csv file."""
    data = _read_bytes(file)
    name = str(getattr(file, "name", "") or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not data.strip():
        raise ValidationFailed(_("The file is empty."), field="file")
    if ext == "xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed(
            _("This is an old Excel file (.xls). Open it in Excel or WPS and save it as .xlsx."),
            field="file",
        )
    rows: Iterator[tuple[int, Sequence[Any]]]
    if ext in {"xlsx", "xlsm"} or (
        ext not in {"csv", "txt"} and zipfile.is_zipfile(io.BytesIO(data))
    ):
        rows = _xlsx_rows(data)
    elif ext in {"csv", "txt"}:
        rows = _csv_rows(data)
    else:
        raise ValidationFailed(_("Upload an Excel workbook (.xlsx) or a CSV file."), field="file")
    return _to_sheet(rows)


def _to_sheet(rows: Iterator[tuple[int, Sequence[Any]]]) -> Sheet:
    header_row = 0
    columns: dict[str, tuple[int, str]] = {}
    ignored: list[str] = []
    best: dict[str, tuple[int, str]] = {}
    for number, values in rows:
        found: dict[str, tuple[int, str]] = {}
        others: list[str] = []
        duplicates: list[str] = []
        for index, value in enumerate(values):
            text = cell_text(value)
            if not text:
                continue
            key = header_key(text)
            if key is None:
                others.append(f"{get_column_letter(index + 1)} {text[:30]}")
            elif key in found:
                duplicates.append(f"{get_column_letter(index + 1)} {text[:30]}")
            else:
                found[key] = (index, text[:30])
        if len(found) > len(best):
            best = found
        if (len(found) >= 3 and "name" in found) or set(REQUIRED_KEYS) <= set(found):
            if duplicates:
                raise ValidationFailed(
                    _("These columns appear twice in the header: %(columns)s")
                    % {"columns": "、".join(duplicates)},
                    field="file",
                )
            header_row, columns, ignored = number, found, others
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if not header_row:
        missing = [COLUMN_BY_KEY[k].header for k in REQUIRED_KEYS if k not in best]
        raise ValidationFailed(
            _(
                "The header row is missing or lacks required columns: %(columns)s. "
                "Download the template to see the expected header."
            )
            % {"columns": "、".join(missing or [COLUMN_BY_KEY[k].header for k in REQUIRED_KEYS])},
            field="file",
        )
    missing = [COLUMN_BY_KEY[k].header for k in REQUIRED_KEYS if k not in columns]
    if missing:
        raise ValidationFailed(
            _("Required columns are missing from the header: %(columns)s")
            % {"columns": "、".join(missing)},
            field="file",
        )
    data: list[tuple[int, Sequence[Any]]] = []
    for number, values in rows:
        if not any(cell_text(v) for v in values):
            continue
        data.append((number, values))
        if len(data) > MAX_ROWS:
            raise ValidationFailed(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}"},
                field="file",
            )
    if not data:
        raise ValidationFailed(_("The file has a header but no rows."), field="file")
    return Sheet(columns=columns, header_row=header_row, rows=data, ignored=ignored)


# --- checking each cell -------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_MASKED_PHONE_RE = re.compile(r"^1\d{2}\*{4}\d{4}$", re.ASCII)
_MASKED_ID_RE = re.compile(r"^[0-9A-Z]{4}\*{10}[0-9X]{4}$", re.ASCII)
_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.ASCII | re.IGNORECASE)
_YEAR_RE = re.compile(r"^(\d{4})(年)?$", re.ASCII)
_AREA_UNITS_RE = re.compile(r"(㎡|m²|m2|平方米|平米)$", re.IGNORECASE)


def cell_text(value: Any) -> str:
    """What a cell says, as text: numbers without a spurious ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == value and abs(value) < 1e16 and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).translate(_INVISIBLE).replace("\xa0", " ")
    return text.strip()


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@dataclass
class Row:
    number: int
    building_code: str = ""
    unit: str = ""
    room: str = ""
    floor_area: Decimal | None = None
    ownership: str | None = None
    name: str = ""  # empty: a row for the household only
    relation: str | None = None
    gender: str | None = None
    birth_year: int | None = None
    phone: str | None = None  # None: keep the stored value
    phone_mask: str | None = None  # a masked value that must match the stored one
    id_number: str | None = None
    id_mask: str | None = None
    tags: list[str] | None = None  # None: keep; []: remove all

    @property
    def household_key(self) -> tuple[str, str, str]:
        return (self.building_code, self.unit, self.room)


class _Checker:
    """Turns raw rows into typed `Row`s, collecting every problem."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.errors: list[CellError] = []
        self.this_year = timezone.localdate().year

    def error(self, number: int, key: str, message: str) -> None:
        self.errors.append(CellError(number, self.sheet.label(key), message))

    def raw(self, values: Sequence[Any], key: str) -> Any:
        if key not in self.sheet.columns:
            return None
        index = self.sheet.columns[key][0]
        return values[index] if index < len(values) else None

    def check(self, number: int, values: Sequence[Any]) -> Row | None:
        text = {key: cell_text(self.raw(values, key)) for key in COLUMN_BY_KEY}
        if fold(text["building_code"]) in EXAMPLE_MARKERS:
            return None
        row = Row(number=number)
        self._household(row, text)
        self._person(row, text, values)
        return row

    def _household(self, row: Row, text: dict[str, str]) -> None:
        n = row.number
        row.building_code = _nfkc(text["building_code"])
        if not row.building_code:
            self.error(n, "building_code", _("Enter the building code."))
        unit = _nfkc(text["unit"])
        match = re.fullmatch(r"(\d+)单元", unit)
        row.unit = match.group(1) if match else unit
        if len(row.unit) > 20:
            self.error(n, "unit", _("At most 20 characters."))
        room = _nfkc(text["room"])
        row.room = room[:-1] if room.endswith("室") and room[:-1].isdigit() else room
        if not row.room:
            self.error(n, "room", _("Enter the room number."))
        elif len(row.room) > 20:
            self.error(n, "room", _("At most 20 characters."))
        if text["floor_area"]:
            row.floor_area = self._area(n, text["floor_area"])
        if text["ownership"]:
            row.ownership = lookup_choice("ownership", text["ownership"])
            if row.ownership is None:
                self.error(
                    n,
                    "ownership",
                    _("Unknown value “%(value)s”. Use one of: %(valid)s.")
                    % {
                        "value": text["ownership"][:30],
                        "valid": "、".join(OWNERSHIP_LABELS.values()),
                    },
                )

    def _area(self, n: int, raw: str) -> Decimal | None:
        cleaned = _AREA_UNITS_RE.sub("", _nfkc(raw)).strip().replace(",", "")
        try:
            value = Decimal(cleaned)
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite() or not (0 < value < 10000):
            self.error(
                n,
                "floor_area",
                _("Enter the floor area as a positive number of square metres (less than 10,000)."),
            )
            return None
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def _person(self, row: Row, text: dict[str, str], values: Sequence[Any]) -> None:
        n = row.number
        row.name = re.sub(r"\s+", " ", text["name"]).strip()
        if not row.name:
            filled = [k for k in PERSON_KEYS if k != "name" and text[k]]
            if filled:
                self.error(
                    n,
                    "name",
                    _("Enter the resident's name (the row has other details of a resident)."),
                )
            return
        if len(row.name) > 50:
            self.error(n, "name", _("At most 50 characters."))
        for key, labels in (("relation", RELATION_LABELS), ("gender", GENDER_LABELS)):
            if text[key]:
                value = lookup_choice(key, text[key])
                if value is None:
                    self.error(
                        n,
                        key,
                        _("Unknown value “%(value)s”. Use one of: %(valid)s.")
                        % {"value": text[key][:30], "valid": "、".join(labels.values())},
                    )
                setattr(row, key, value)
        if text["birth_year"]:
            match = _YEAR_RE.match(_nfkc(text["birth_year"]))
            year = int(match.group(1)) if match else None
            if year is None or not (1900 <= year <= self.this_year):
                self.error(
                    n, "birth_year", _("Enter a four-digit birth year between 1900 and this year.")
                )
            row.birth_year = year
        self._phone(row, text["phone"])
        self._id_number(row, text["id_number"], self.raw(values, "id_number"))
        if text["tags"]:
            self._tags(row, text["tags"])

    def _phone(self, row: Row, raw: str) -> None:
        phone = _nfkc(raw).lstrip("'")
        if not phone:
            return
        if "*" in phone:
            if _MASKED_PHONE_RE.match(phone):
                row.phone_mask = phone
            else:
                self.error(row.number, "phone", _("Enter the full mobile number."))
            return
        try:
            row.phone = validate_mobile(phone)
        except ValidationFailed as exc:
            self.error(row.number, "phone", str(exc.message))

    def _id_number(self, row: Row, raw: str, value: Any) -> None:
        n = row.number
        id_number = _nfkc(raw).lstrip("'").upper()
        if not id_number:
            return
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.error(
                n,
                "id_number",
                _(
                    "The ID number is stored as a number, so Excel has "
                    "rounded it. Format the column as text and enter it "
                    "again."
                ),
            )
            return
        if "*" in id_number:
            if _MASKED_ID_RE.match(id_number):
                row.id_mask = id_number
            else:
                self.error(n, "id_number", _("Enter the full ID number."))
            return
        if _SCIENTIFIC_RE.match(id_number):
            self.error(
                n,
                "id_number",
                _(
                    "Excel has turned the ID number into a number "
                    "(%(value)s). Format the column as text and enter it "
                    "again."
                )
                % {"value": id_number[:30]},
            )
            return
        try:
            id_number = validate_id_number(id_number)
        except ValidationFailed as exc:
            self.error(n, "id_number", str(exc.message))
            return
        year = birth_year_from_id(id_number)
        try:
            born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        except ValueError:
            born = None
        if born is None or year is None or not (1900 <= year <= self.this_year):
            self.error(n, "id_number", _("The birth date in the ID number is not a real date."))
            return
        row.id_number = id_number
        if row.birth_year is None:
            row.birth_year = year
        elif row.birth_year != year:
            self.error(
                n,
                "birth_year",
                _("The birth year %(year)s does not match the ID number (born %(id_year)s).")
                % {"year": row.birth_year, "id_year": year},
            )
        id_gender = gender_from_id(id_number)
        if row.gender is None or row.gender == "":
            row.gender = id_gender
        elif id_gender and row.gender != id_gender:
            self.error(n, "gender", _("The gender does not match the ID number."))

    def _tags(self, row: Row, raw: str) -> None:
        if fold(raw) in CLEAR_TAGS:
            row.tags = []
            return
        tags: list[str] = []
        unknown: list[str] = []
        for part in TAG_SPLIT_RE.split(raw):
            part = part.strip()
            if not part:
                continue
            tag = lookup_choice("tags", part)
            if tag is None:
                unknown.append(part[:30])
            elif tag not in tags:
                tags.append(tag)
        if unknown:
            self.error(
                row.number,
                "tags",
                _("Unknown tag “%(value)s”. Use: %(valid)s.")
                % {"value": "、".join(unknown), "valid": "、".join(TAG_LABELS.values())},
            )
        row.tags = tags


# --- the service --------------------------------------------------------------------------------


def import_register(*, actor: Any, file: Any) -> ImportReport:
    """Check an uploaded register and, if every cell is good, apply it in one transaction.

    File-level problems (type, size, damage, header) raise `ValidationFailed(field="file")`;
    cell problems come back in `ImportReport.errors` and then nothing has been written.
    """
    scope = scope_for(actor)
    if not scope.has_any(IMPORT_ROLES):
        raise PermissionDenied(_("Only community staff can import the household register."))
    sheet = read_sheet(file)
    report = ImportReport(file_name=str(getattr(file, "name", "") or "")[:100])
    report.ignored_columns = sheet.ignored
    checker = _Checker(sheet)
    rows: list[Row] = []
    for number, values in sheet.rows:
        row = checker.check(number, values)
        if row is None:
            report.skipped += 1
        else:
            rows.append(row)
    report.rows = len(rows)
    if not rows:
        raise ValidationFailed(_("The file has no rows to import (only examples)."), field="file")
    _check_within_file(rows, checker)
    try:
        _resolve_and_apply(actor=actor, scope=scope, rows=rows, checker=checker, report=report)
    except IntegrityError as exc:
        raise Conflict(
            _("The register changed while importing. Upload the file again."), field="file"
        ) from exc
    report.errors = sorted(checker.errors, key=lambda e: e.row or 0)
    return report


def _check_within_file(rows: list[Row], checker: _Checker) -> None:
    """Problems visible in the file alone: duplicate IDs, people, and clashing household cells."""
    first_id: dict[str, int] = {}
    first_person: dict[tuple[tuple[str, str, str], str], int] = {}
    household_values: dict[tuple[str, str, str], dict[str, tuple[Any, int]]] = defaultdict(dict)
    for row in rows:
        if row.id_number:
            if row.id_number in first_id:
                message = _("The same ID number is on row %(row)s.")
                checker.error(row.number, "id_number", message % {"row": first_id[row.id_number]})
            else:
                first_id[row.id_number] = row.number
        elif row.name:
            person_key = (row.household_key, row.name)
            if person_key in first_person:
                checker.error(
                    row.number,
                    "name",
                    _(
                        "Row %(row)s has the same name in the same "
                        "household; add ID numbers to tell them "
                        "apart."
                    )
                    % {"row": first_person[person_key]},
                )
            else:
                first_person[person_key] = row.number
        seen = household_values[row.household_key]
        for key in ("floor_area", "ownership"):
            value = getattr(row, key)
            if value is None:
                continue
            if key in seen and seen[key][0] != value:
                checker.error(
                    row.number,
                    key,
                    _("Differs from row %(row)s of the same household.") % {"row": seen[key][1]},
                )
            else:
                seen.setdefault(key, (value, row.number))


def _chunked_filter(
    model: type[M], field_name: str, values: Iterable[Any], **select: Any
) -> list[M]:
    values = list(dict.fromkeys(values))
    out: list[M] = []
    for start in range(0, len(values), CHUNK):
        qs = model._default_manager.filter(**{f"{field_name}__in": values[start : start + CHUNK]})
        if select.get("related"):
            qs = qs.select_related(*select["related"])
        out.extend(qs)
    return out


def _concrete_fields(model: type[Model], names: list[str]) -> list[Field[Any, Any]]:
    fields: list[Field[Any, Any]] = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or not field.column:
            raise TypeError(f"{name} is not a concrete field")
        fields.append(field)
    return fields


def _executemany(model: type[Model], sql: str, params: list[list[Any]]) -> None:
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        for start in range(0, len(params), CHUNK):
            cursor.executemany(sql, params[start : start + CHUNK])


# Django's bulk_update builds a CASE expression per field and object, and bulk_create prepares
# every value through several layers: for ten thousand rows that is seconds. Where no primary
# key is needed back, one parametrised statement run for every row is much cheaper. S608: only
# quoted table and column names from the model's own metadata go into the statement's text.


def _update_rows(model: type[M], objects: list[M], field_names: list[str]) -> None:
    """UPDATE `field_names` of each object (by primary key) with one executemany."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = _concrete_fields(model, field_names)
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    pk = model._meta.pk
    table, pk_column = quote(model._meta.db_table), quote(str(pk.column if pk else "id"))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
    params = [
        [*(f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields), o.pk]
        for o in objects
    ]
    _executemany(model, sql, params)


def _insert_rows(model: type[M], objects: list[M], field_names: list[str]) -> None:
    """INSERT the objects' `field_names` with one executemany; their pks are not read back."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = _concrete_fields(model, field_names)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] for o in objects
    ]
    _executemany(model, sql, params)


AUDIT_FIELDS = [
    "created_at",
    "actor",
    "on_behalf_of",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "scope_path",
    "before",
    "after",
    "request_id",
]


def _address(building: Region, unit: str, room: str) -> str:
    unit_label = f"{unit}单元" if unit and unit.isdigit() else unit
    return f"{building.name}{unit_label}{room}"


def _common_root(paths: Iterable[str]) -> str:
    parts_list = [p.strip("/").split("/") for p in paths if p]
    if not parts_list:
        return ""
    common = parts_list[0]
    for parts in parts_list[1:]:
        size = 0
        while size < min(len(common), len(parts)) and common[size] == parts[size]:
            size += 1
        common = common[:size]
    return "/" + "".join(f"{p}/" for p in common) if common else ""


def _audit_value(name: str, value: Any) -> Any:
    if name == "phone" and value:
        return mask_phone(value)
    if name == "id_number" and value:
        return mask_id_number(value)
    return value


@transaction.atomic
def _resolve_and_apply(
    *, actor: Any, scope: Scope, rows: list[Row], checker: _Checker, report: ImportReport
) -> None:
    # Buildings: exist, are buildings, are in the actor's area.
    buildings = {
        b.code: b for b in _chunked_filter(Region, "code", (r.building_code for r in rows))
    }
    covered: dict[str, bool] = {}
    for row in rows:
        if not row.building_code:
            continue
        building = buildings.get(row.building_code)
        if building is None:
            checker.error(row.number, "building_code", _("No building has this code."))
        elif building.kind != RegionKind.BUILDING:
            checker.error(row.number, "building_code", _("This code is not a building's."))
        else:
            if building.path not in covered:
                covered[building.path] = scope.covers(building.path, IMPORT_ROLES)
            if not covered[building.path]:
                checker.error(row.number, "building_code", _("This building is not in your area."))

    good_buildings = {
        code: b
        for code, b in buildings.items()
        if b.kind == RegionKind.BUILDING and covered.get(b.path)
    }
    households: dict[tuple[str, str, str], Household] = {}
    by_building_id = {b.pk: b for b in good_buildings.values()}
    for hh in _chunked_filter(Household, "building_id", by_building_id):
        households[(by_building_id[hh.building_id].code, hh.unit, hh.room)] = hh

    # People: the members of the households in the file, then, by ID number anywhere, those
    # whose ID no member has (a member with the row's ID is the one to match in any case).
    members: dict[int, list[Person]] = defaultdict(list)
    by_id: dict[str, list[Person]] = defaultdict(list)
    for person in _chunked_filter(
        Person, "household_id", (h.pk for h in households.values()), related=["region"]
    ):
        members[person.household_id or 0].append(person)
        if person.id_number:
            by_id[person.id_number].append(person)
    for person in _chunked_filter(
        Person,
        "id_number",
        (r.id_number for r in rows if r.id_number and r.id_number not in by_id),
        related=["region"],
    ):
        by_id[person.id_number].append(person)

    targets: dict[int, Person | None] = {}  # row number -> existing person or None (new)
    claimed: dict[int, int] = {}  # person pk -> row number
    for row in rows:
        if not row.name:
            continue
        household = households.get(row.household_key)
        target: Person | None = None
        if row.id_number and by_id.get(row.id_number):
            candidates = by_id[row.id_number]
            here = [p for p in candidates if household and p.household_id == household.pk]
            target = (here or candidates)[0]
            if not scope.covers(target.region.path, IMPORT_ROLES):
                checker.error(
                    row.number,
                    "id_number",
                    _(
                        "A person with this ID number is "
                        "registered outside your area; ask the "
                        "street office to move them."
                    ),
                )
                continue
        elif household is not None:
            same = [
                p
                for p in members.get(household.pk, [])
                if p.name == row.name
                and not (row.id_number and p.id_number and p.id_number != row.id_number)
            ]
            if len(same) > 1:
                checker.error(
                    row.number,
                    "name",
                    _(
                        "Several people with this name live in this "
                        "household; add their ID numbers."
                    ),
                )
                continue
            target = same[0] if same else None
        if target is not None:
            if target.pk in claimed:
                checker.error(
                    row.number,
                    "name",
                    _("Row %(row)s already updates this person.") % {"row": claimed[target.pk]},
                )
                continue
            claimed[target.pk] = row.number
        targets[row.number] = target
        _check_masks(row, target, checker)

    _check_heads(rows, targets, households, members, claimed, checker)
    if checker.errors:
        return
    _apply(
        actor=actor,
        rows=rows,
        buildings=good_buildings,
        households=households,
        targets=targets,
        report=report,
    )


def _check_masks(row: Row, target: Person | None, checker: _Checker) -> None:
    if row.phone_mask and (target is None or mask_phone(target.phone or "") != row.phone_mask):
        checker.error(
            row.number,
            "phone",
            _("Enter the full mobile number (the masked value does not match what is stored)."),
        )
    if row.id_mask and (target is None or mask_id_number(target.id_number or "") != row.id_mask):
        checker.error(
            row.number,
            "id_number",
            _("Enter the full ID number (the masked value does not match what is stored)."),
        )


def _check_heads(
    rows: list[Row],
    targets: dict[int, Person | None],
    households: dict[tuple[str, str, str], Household],
    members: dict[int, list[Person]],
    claimed: dict[int, int],
    checker: _Checker,
) -> None:
    heads: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if not row.name or row.number not in targets:
            continue
        target = targets[row.number]
        relation = row.relation if row.relation is not None else (target.relation if target else "")
        if relation == "head":
            heads[row.household_key].append(row)
    for key, head_rows in heads.items():
        household = households.get(key)
        stay = [
            p
            for p in (members.get(household.pk, []) if household else [])
            if p.relation == "head" and p.pk not in claimed
        ]
        if stay:
            for row in head_rows:
                checker.error(
                    row.number,
                    "relation",
                    _("This household already has a head: %(name)s.") % {"name": stay[0].name},
                )
        else:
            for row in head_rows[1:]:
                checker.error(
                    row.number,
                    "relation",
                    _("Row %(row)s already names the head of this household.")
                    % {"row": head_rows[0].number},
                )


def _apply(
    *,
    actor: Any,
    rows: list[Row],
    buildings: dict[str, Region],
    households: dict[tuple[str, str, str], Household],
    targets: dict[int, Person | None],
    report: ImportReport,
) -> None:
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    request_id = current_request_id()
    events: list[AuditEvent] = []

    def event(
        action: str,
        obj: Household | Person,
        scope_path: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        events.append(
            AuditEvent(
                created_at=now,
                actor_id=actor_id,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                scope_path=scope_path,
                before=before,
                after=after,
                request_id=request_id,
            )
        )

    # Households, in order of first appearance.
    wanted: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        values = wanted.setdefault(row.household_key, {})
        if row.floor_area is not None:
            values.setdefault("floor_area", row.floor_area)
        if row.ownership is not None:
            values.setdefault("ownership", row.ownership)
    new_households: list[Household] = []
    changed_households: list[tuple[Household, dict[str, Any], str]] = []
    for key, values in wanted.items():
        building = buildings[key[0]]
        household = households.get(key)
        if household is None:
            household = Household(
                building=building,
                unit=key[1],
                room=key[2],
                address=_address(building, key[1], key[2]),
                floor_area=values.get("floor_area"),
                ownership=values.get("ownership", Ownership.OWNER),
            )
            new_households.append(household)
            households[key] = household
            continue
        before = {
            name: value for name, value in values.items() if getattr(household, name) != value
        }
        before = {name: getattr(household, name) for name in before}
        if before:
            for name in before:
                setattr(household, name, values[name])
            household.updated_at = now
            changed_households.append((household, before, building.path))
    Household.objects.bulk_create(new_households, batch_size=CHUNK)
    _update_rows(
        Household,
        [h for h, _b, _p in changed_households],
        ["floor_area", "ownership", "updated_at"],
    )
    for household in new_households:
        event(
            "household.create",
            household,
            household.building.path,
            None,
            {
                "address": household.address,
                "floor_area": str(household.floor_area) if household.floor_area else None,
                "ownership": household.ownership,
            },
        )
    for household, before, path in changed_households:
        event(
            "household.update",
            household,
            path,
            {k: str(v) if v is not None else None for k, v in before.items()},
            {k: str(getattr(household, k)) for k in before},
        )
    report.households_created = len(new_households)
    report.households_updated = len(changed_households)
    report.households_unchanged = len(wanted) - len(new_households) - len(changed_households)

    # People.
    new_people: list[tuple[Person, Row]] = []
    changed_people: list[tuple[Person, dict[str, Any], Row]] = []
    tag_rows: list[tuple[Person, Row]] = []
    for row in rows:
        if not row.name:
            continue
        household = households[row.household_key]
        building = buildings[row.building_code]
        target = targets[row.number]
        if target is None:
            person = Person(
                name=row.name,
                gender=row.gender or "",
                birth_year=row.birth_year,
                phone=row.phone or "",
                id_number=row.id_number or "",
                household=household,
                relation=row.relation or "",
                region=building,
            )
            new_people.append((person, row))
            continue
        values = {
            "name": row.name,
            "gender": row.gender,
            "birth_year": row.birth_year,
            "phone": row.phone,
            "id_number": row.id_number,
            "relation": row.relation,
            "household_id": household.pk,
            "region_id": building.pk,
        }
        before = {
            name: getattr(target, name)
            for name, value in values.items()
            if value is not None and getattr(target, name) != value
        }
        for name in before:
            if name == "household_id":
                target.household = household
            elif name == "region_id":
                target.region = building
            else:
                setattr(target, name, values[name])
        if before:
            target.updated_at = now
            changed_people.append((target, before, row))
        if row.tags is not None:
            tag_rows.append((target, row))
    Person.objects.bulk_create([p for p, _r in new_people], batch_size=CHUNK)
    tag_rows.extend((p, r) for p, r in new_people if r.tags)
    fields = sorted(
        {name.removesuffix("_id") for _p, before, _r in changed_people for name in before}
    )
    if fields:
        _update_rows(Person, [p for p, _b, _r in changed_people], [*fields, "updated_at"])

    # Tags: replace the set where the file names one and it differs.
    have: dict[int, set[str]] = defaultdict(set)
    for person_tag in _chunked_filter(PersonTag, "person_id", (p.pk for p, _r in tag_rows)):
        have[person_tag.person_id].add(person_tag.tag)
    retag: dict[int, tuple[Person, set[str]]] = {}
    for person, row in tag_rows:
        wanted_tags = set(row.tags or [])
        if wanted_tags != have.get(person.pk, set()):
            retag[person.pk] = (person, wanted_tags)
    retag_ids = list(retag)
    for start in range(0, len(retag_ids), CHUNK):
        PersonTag.objects.filter(person_id__in=retag_ids[start : start + CHUNK]).delete()
    _insert_rows(
        PersonTag,
        [PersonTag(person=p, tag=t) for p, tags in retag.values() for t in sorted(tags)],
        ["person", "tag"],
    )

    changed_ids = {p.pk for p, _b, _r in changed_people}
    new_ids = {p.pk for p, _r in new_people}
    for person, row in new_people:
        event(
            "person.create",
            person,
            buildings[row.building_code].path,
            None,
            {
                "name": person.name,
                "household": person.household_id,
                "tags": sorted(row.tags or []),
            },
        )
    for person, before, row in changed_people:
        after = {name: _audit_value(name, getattr(person, name)) for name in before}
        before = {name: _audit_value(name, value) for name, value in before.items()}
        if person.pk in retag:
            before["tags"] = sorted(have.get(person.pk, set()))
            after["tags"] = sorted(retag[person.pk][1])
        event("person.update", person, buildings[row.building_code].path, before, after)
    retag_only = [pk for pk in retag if pk not in changed_ids and pk not in new_ids]
    row_of = {p.pk: r for p, r in tag_rows}
    for pk in retag_only:
        person, tags = retag[pk]
        event(
            "person.update",
            person,
            buildings[row_of[pk].building_code].path,
            {"tags": sorted(have.get(pk, set()))},
            {"tags": sorted(tags)},
        )
    report.people_created = len(new_people)
    report.people_updated = len(changed_people) + len(retag_only)
    report.people_unchanged = (
        sum(1 for r in rows if r.name) - report.people_created - report.people_updated
    )

    events.append(
        AuditEvent(
            created_at=now,
            actor_id=actor_id,
            action="register.import",
            object_type="org.register",
            object_repr=report.file_name or "register",
            request_id=request_id,
            scope_path=_common_root(
                buildings[code].path for code in {r.building_code for r in rows}
            ),
            after=report.summary(),
        )
    )
    _insert_rows(AuditEvent, events, AUDIT_FIELDS)
