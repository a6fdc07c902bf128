"""Import of the household register: all-or-nothing, every error named by row and column."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from gongzhi.core.errors import DomainError, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.validators import id_number_checksum_ok
from gongzhi.org.models import Household, Person, PersonTag, Region, Role
from gongzhi.org.register_import import import_register
from gongzhi.org.register_io import COLUMNS
from gongzhi.org.tests import factories as f

HEADER = [c.header for c in COLUMNS]


def make_id(birth: str = "19800101", seq: str = "001", region: str = "110105") -> str:
    """A resident ID number with a correct check digit (seq's last digit odd: male)."""
    body = f"{region}{birth}{seq}"
    for check in "0123456789X":
        if id_number_checksum_ok(body + check):
            return body + check
    raise AssertionError("unreachable")


def bad_check_digit(id_number: str) -> str:
    last = id_number[-1]
    return id_number[:-1] + ("1" if last != "1" else "2")


def row(
    code: str,
    room: str = "101",
    name: str = "",
    *,
    unit: str = "1",
    area: Any = "",
    ownership: str = "",
    relation: str = "",
    gender: str = "",
    year: Any = "",
    phone: str = "",
    id_number: str = "",
    tags: str = "",
) -> list[Any]:
    return [code, unit, room, area, ownership, name, relation, gender, year, phone, id_number, tags]


def xlsx(
    rows: list[list[Any]], header: list[str] | None = None, name: str = "台账.xlsx"
) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for values in rows:
        ws.append([None if v == "" else v for v in values])
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(
    rows: list[list[Any]], encoding: str, name: str = "台账.csv", bom: bool = False
) -> SimpleUploadedFile:
    lines = [",".join(HEADER)] + [",".join(str(v) for v in r) for r in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return SimpleUploadedFile(name, data)


@dataclass
class Area:
    comm: Region
    other_comm: Region
    b1: Region
    b2: Region
    b_other: Region
    staff: Any
    other_staff: Any


@pytest.fixture(name="area")
def area_fixture(db) -> Area:
    street = f.street(name="示范街道")
    comm = f.community(street, name="幸福社区")
    other = f.community(street, name="隔壁社区")
    grid = f.grid(comm, name="一网格")
    b1 = f.building(grid, name="幸福里1栋", code="XF-01")
    b2 = f.building(grid, name="幸福里2栋", code="XF-02")
    b_other = f.building(f.grid(other), name="隔壁1栋", code="GB-01")
    return Area(
        comm=comm,
        other_comm=other,
        b1=b1,
        b2=b2,
        b_other=b_other,
        staff=f.user_with_role(Role.COMMUNITY_STAFF, comm),
        other_staff=f.user_with_role(Role.COMMUNITY_STAFF, other),
    )


def eight_rows(area: Area) -> list[list[Any]]:
    """Rows 2 to 9 of a sheet: three households, seven residents, one vacant flat."""
    return [
        row(
            "XF-01",
            "101",
            "张伟",
            area=89.5,
            ownership="自有",
            relation="户主",
            phone="13800000001",
            id_number=make_id("19700101", "001"),
            tags="退役军人",
        ),
        row(
            "XF-01",
            "101",
            "李娜",
            relation="配偶",
            phone="13800000002",
            id_number=make_id("19720202", "002"),
        ),
        row("XF-01", "101", "张小明", relation="子女", year=2005),
        row(
            "XF-01",
            "102",
            "王芳",
            area="76",
            ownership="租住",
            relation="户主",
            id_number=make_id("19500303", "004"),
            tags="独居老人、低保",
        ),
        row(
            "XF-02",
            "201",
            "赵强",
            unit="2",
            ownership="公房",
            relation="户主",
            id_number=make_id("19880404", "005"),
        ),
        row(
            "XF-02", "201", "赵磊", unit="2", relation="子女", id_number=make_id("20100505", "007")
        ),
        row("XF-02", "201", "钱英", unit="2", relation="父母", gender="女", year=1960),
        row("XF-02", "301", "", unit="2", ownership="空置"),
    ]


# --- happy path -------------------------------------------------------------------------------


def test_import_creates_households_and_people(area):
    report = import_register(actor=area.staff, file=xlsx(eight_rows(area)))

    assert report.ok, report.errors
    assert (report.households_created, report.people_created) == (4, 7)
    zhang = Person.objects.get(name="张伟")
    assert zhang.household.building == area.b1
    assert zhang.household.floor_area == Decimal("89.50")
    assert zhang.household.ownership == "owner"
    assert zhang.household.address == "幸福里1栋1单元101"
    assert zhang.region == area.b1
    assert (zhang.relation, zhang.gender, zhang.birth_year) == ("head", "m", 1970)
    assert set(PersonTag.objects.filter(person=zhang).values_list("tag", flat=True)) == {"veteran"}
    wang = Person.objects.get(name="王芳")
    assert wang.gender == "f"  # taken from the ID number
    assert set(wang.tags.values_list("tag", flat=True)) == {"elderly_alone", "low_income"}
    vacant = Household.objects.get(building=area.b2, unit="2", room="301")
    assert vacant.ownership == "vacant" and not vacant.members.exists()
    # One summary event plus one per created object.
    summary = AuditEvent.objects.get(action="register.import")
    assert summary.after["households_created"] == 4
    assert summary.after["people_created"] == 7
    assert summary.scope_path.startswith(area.comm.path)
    assert summary.actor == area.staff
    assert abs((timezone.now() - summary.created_at).total_seconds()) < 60
    created = AuditEvent.objects.filter(action="person.create").first()
    assert created.before is None and created.after["name"]
    assert AuditEvent.objects.filter(action="person.create").count() == 7
    assert AuditEvent.objects.filter(action="household.create").count() == 4


def test_importing_twice_changes_nothing_the_second_time(area):
    import_register(actor=area.staff, file=xlsx(eight_rows(area)))
    events = AuditEvent.objects.count()

    report = import_register(actor=area.staff, file=xlsx(eight_rows(area)))

    assert report.ok
    assert (report.households_created, report.households_updated) == (0, 0)
    assert (report.people_created, report.people_updated, report.people_unchanged) == (0, 0, 7)
    assert Person.objects.filter(household__isnull=False).count() == 7
    assert AuditEvent.objects.count() == events + 1  # the summary only


def test_import_updates_matched_people_and_keeps_empty_cells(area):
    # given a person registered with a phone and tags
    household = f.HouseholdFactory(building=area.b1, unit="1", room="101")
    id_number = make_id("19700101", "001")
    person = f.PersonFactory(
        household=household, name="张伟", phone="13800000001", id_number=id_number, relation="head"
    )
    PersonTag.objects.create(person=person, tag="veteran")
    # when the file names them by ID with a new name, an empty phone and 无 in tags
    report = import_register(
        actor=area.staff,
        file=xlsx(
            [
                row("XF-01", "101", "张伟伟", id_number=id_number, tags="无"),
            ]
        ),
    )
    # then the name changes, the phone stays, the tags are gone, and it is audited
    assert report.ok, report.errors
    assert (report.people_created, report.people_updated) == (0, 1)
    person.refresh_from_db()
    assert person.name == "张伟伟"
    assert person.phone == "13800000001"
    assert not person.tags.exists()
    event = AuditEvent.objects.get(action="person.update", object_id=str(person.pk))
    assert event.before["name"] == "张伟" and event.after["name"] == "张伟伟"
    assert event.after["tags"] == []


def test_person_without_id_is_matched_by_household_and_name(area):
    household = f.HouseholdFactory(building=area.b1, unit="1", room="101")
    person = f.PersonFactory(
        household=household,
        name="张小明",
        id_number="",
        phone="",
        relation="child",
        birth_year=2004,
    )

    report = import_register(
        actor=area.staff,
        file=xlsx(
            [
                row("XF-01", "101", "张小明", year=2005, phone="13900000009"),
            ]
        ),
    )

    assert report.ok, report.errors
    assert Person.objects.filter(name="张小明").count() == 1
    person.refresh_from_db()
    assert (person.birth_year, person.phone) == (2005, "13900000009")


def test_a_person_moves_household_when_their_id_is_on_another_room(area):
    old = f.HouseholdFactory(building=area.b1, unit="1", room="101")
    id_number = make_id("19900101", "011")
    person = f.PersonFactory(household=old, name="孙丽", id_number=id_number, relation="other")

    report = import_register(
        actor=area.staff,
        file=xlsx(
            [
                row("XF-02", "501", "孙丽", id_number=id_number, relation="户主"),
            ]
        ),
    )

    assert report.ok, report.errors
    person.refresh_from_db()
    assert person.household.building == area.b2 and person.household.room == "501"
    assert person.region == area.b2 and person.relation == "head"


def test_english_labels_and_header_are_accepted(area):
    header = [str(c.key) for c in COLUMNS]
    report = import_register(
        actor=area.staff,
        file=xlsx(
            [
                row(
                    "XF-01",
                    "101",
                    "Li Lei",
                    ownership="Rented",
                    relation="Head of household",
                    gender="male",
                    tags="veteran; Disability",
                ),
            ],
            header=header,
        ),
    )

    assert report.ok, report.errors
    person = Person.objects.get(name="Li Lei")
    assert (person.relation, person.gender, person.household.ownership) == ("head", "m", "tenant")
    assert set(person.tags.values_list("tag", flat=True)) == {"veteran", "disability"}


def test_title_rows_above_the_header_and_example_rows_are_skipped(area):
    wb = Workbook()
    ws = wb.active
    ws.append(["幸福社区居民台账（2025年）"])
    ws.append([])
    ws.append(HEADER)
    ws.append(row("示例", "101", "张三", id_number=make_id()))
    ws.append(row("XF-01", "101", "张伟"))
    buffer = io.BytesIO()
    wb.save(buffer)

    report = import_register(actor=area.staff, file=SimpleUploadedFile("a.xlsx", buffer.getvalue()))

    assert report.ok, report.errors
    assert (report.rows, report.skipped, report.people_created) == (1, 1, 1)
    assert not Person.objects.filter(name="张三").exists()


# --- errors: nothing applied ------------------------------------------------------------------


def test_one_bad_check_digit_in_row_7_applies_nothing_and_names_row_7(area):
    rows = eight_rows(area)
    rows[5][10] = bad_check_digit(rows[5][10])  # the sixth data row is row 7 in Excel
    households, people = Household.objects.count(), Person.objects.count()

    report = import_register(actor=area.staff, file=xlsx(rows))

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(7, "K 身份证号")]
    assert "校验" in report.errors[0].message  # Chinese by default
    assert (Household.objects.count(), Person.objects.count()) == (households, people)
    assert not AuditEvent.objects.filter(action__startswith="register.").exists()


def test_every_error_is_collected(area):
    rows = [
        row("XF-01", "", "张伟", area="-5"),  # 2: room, area
        row(
            "XF-01", "102", "李娜", phone="12345", gender="男", id_number=make_id("19800101", "002")
        ),  # 3: phone, gender
        row("XF-01", "103", "王芳", year=1999, id_number=make_id("19800101", "003")),  # 4
        row("NOPE", "104", "赵强", relation="老板", tags="富豪"),  # 5: code, rel, tag
        row("XF-01", "105", "", phone="13800000000"),  # 6: name missing
        row("XF-01", "106", "钱一", id_number=make_id("19800101", "003")),  # 7: duplicate ID
        row("XF-01", "107", "孙甲", relation="户主"),
        row("XF-01", "107", "孙乙", relation="户主"),  # 9: second head
    ]

    report = import_register(actor=area.staff, file=xlsx(rows))

    found = {(e.row, e.column.split()[0]) for e in report.errors}
    assert found == {
        (2, "C"),
        (2, "D"),
        (3, "J"),
        (3, "H"),
        (4, "I"),
        (5, "A"),
        (5, "G"),
        (5, "L"),
        (6, "F"),
        (7, "K"),
        (9, "G"),
    }
    assert Person.objects.filter(name__in=["张伟", "李娜", "孙甲"]).count() == 0


def test_out_of_scope_building_is_rejected_for_staff_of_another_community(area):
    report = import_register(actor=area.other_staff, file=xlsx([row("XF-01", "101", "张伟")]))

    assert [(e.row, e.column) for e in report.errors] == [(2, "A 楼栋编码")]
    assert report.errors[0].message == "该楼栋不在您的辖区内。"
    assert not Person.objects.filter(name="张伟").exists()


def test_person_registered_elsewhere_cannot_be_pulled_in_by_id(area):
    id_number = make_id("19660606", "013")
    f.PersonFactory(household=f.HouseholdFactory(building=area.b_other), id_number=id_number)

    report = import_register(
        actor=area.staff,
        file=xlsx(
            [
                row("XF-01", "101", "冒名", id_number=id_number),
            ]
        ),
    )

    assert [e.column for e in report.errors] == ["K 身份证号"]


def test_a_second_head_next_to_a_stored_head_is_an_error(area):
    household = f.HouseholdFactory(building=area.b1, unit="1", room="101")
    f.PersonFactory(household=household, name="老户主", relation="head", id_number="")

    report = import_register(
        actor=area.staff,
        file=xlsx(
            [
                row("XF-01", "101", "新户主", relation="户主"),
            ]
        ),
    )

    assert [e.column for e in report.errors] == ["G 与户主关系"]
    assert "老户主" in report.errors[0].message


def test_messages_in_english_when_the_language_is_english(area):
    with translation.override("en"):
        report = import_register(
            actor=area.other_staff,
            file=xlsx(
                [
                    row("XF-01", "101", "张伟", phone="123"),
                ]
            ),
        )
    messages = {e.column: e.message for e in report.errors}
    assert messages["A 楼栋编码"] == "This building is not in your area."
    assert messages["J 手机号"] == "Enter an 11-digit mobile number starting with 1."


def test_numeric_id_cells_are_reported_not_guessed(area):
    report = import_register(
        actor=area.staff,
        file=xlsx(
            [
                row("XF-01", "101", "张伟", id_number=110105198001010016),  # type: ignore[arg-type]
            ]
        ),
    )
    assert [e.column for e in report.errors] == ["K 身份证号"]
    assert "文本" in report.errors[0].message


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "bom"), [("gbk", False), ("utf-8", True), ("utf-8", False)])
def test_csv_in_gbk_and_utf8_works(area, encoding, bom):
    rows = [
        row("XF-01", "101", "张伟", relation="户主", id_number=make_id(), tags="残疾人"),
        row("XF-01", "101", "李娜", relation="配偶"),
    ]

    report = import_register(actor=area.staff, file=csv_file(rows, encoding, bom=bom))

    assert report.ok, report.errors
    assert report.people_created == 2
    assert Person.objects.get(name="张伟").tags.get().tag == "disability"


def test_csv_errors_name_rows_and_columns_too(area):
    rows = [row("XF-01", "101", "张伟"), row("XF-01", "", "李娜")]
    report = import_register(actor=area.staff, file=csv_file(rows, "gbk"))
    assert [(e.row, e.column) for e in report.errors] == [(3, "C 房号")]


def test_csv_from_other_systems_tabs_and_formula_quoted_ids(area):
    # given a tab-separated GBK export that wraps the ID as ="..." and has an extra column
    id_number = make_id("19700101", "001")
    lines = [
        "\t".join([*HEADER, "备注"]),
        "\t".join([*row("XF-01", "101", "张伟", id_number=f'="{id_number}"'), "新搬入"]),
    ]
    data = "\r\n".join(lines).encode("gbk")

    report = import_register(actor=area.staff, file=SimpleUploadedFile("导出.csv", data))

    assert report.ok, report.errors
    assert Person.objects.get(name="张伟").id_number == id_number
    assert report.ignored_columns == ["M 备注"]


# --- file-level rejections ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "phrase"),
    [
        ("a.pdf", b"%PDF-1.4 hello", "xlsx"),
        ("a.xlsx", b"PK\x03\x04 not really a zip", "损坏"),
        ("a.xlsx", b"", "空"),
        ("a.csv", b"   \r\n", "空"),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("a.csv", "姓名,性别\n张伟,男\n".encode(), "楼栋编码"),
        ("a.csv", ",".join(HEADER).encode(), "没有"),
        ("a.csv", b"\xff\xfe\x00\x00" * 10, "CSV"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(area, name, data, phrase):
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=area.staff, file=SimpleUploadedFile(name, data))
    assert phrase in str(caught.value.message)
    assert caught.value.field == "file"


def test_files_over_10_mb_are_refused(area):
    big = SimpleUploadedFile("big.csv", b"a" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=area.staff, file=big)
    assert "10 MB" in str(caught.value.message)


def test_only_importers_may_import(area, db):
    grid_worker = f.user_with_role(Role.GRID_WORKER, area.b1.parent)
    with pytest.raises(PermissionDenied):
        import_register(actor=grid_worker, file=xlsx([row("XF-01", "101", "张伟")]))


# --- speed: bulk queries ------------------------------------------------------------------------


def test_query_count_does_not_grow_with_rows(area, django_assert_max_num_queries):
    rows = [
        row(
            "XF-01" if i % 2 else "XF-02",
            str(100 + i // 3),
            f"居民{i}",
            relation="户主" if i % 3 == 0 else "子女",
            phone=f"139{i:08d}",
            id_number=make_id("19800101", f"{i % 1000:03d}", region=f"{110000 + i // 1000}"),
            tags="低保" if i % 5 == 0 else "",
        )
        for i in range(600)
    ]
    with django_assert_max_num_queries(60):
        report = import_register(actor=area.staff, file=xlsx(rows))
    assert report.ok, report.errors[:3]
    assert report.people_created == 600


# --- garbage never escapes as anything but a reported error -------------------------------------

garbage = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.sampled_from(
        [
            "XF-01",
            "户主",
            "男",
            "女",
            "自有",
            "无",
            "1980",
            "13800000000",
            "110105198001010016",
            "NaN",
            "sNaN",
            "1e9999",
            "-0",
            "示例",
            "＊",
        ]
    ),
)


def _printable(value: Any) -> Any:
    # openpyxl refuses control characters that Excel cannot store; so would Excel.
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable())
    return value


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=st.lists(st.lists(garbage, min_size=12, max_size=12), min_size=1, max_size=6))
def test_random_garbage_cells_only_ever_give_reported_errors(area, cells):
    rows = [[_printable(v) for v in r] for r in cells]
    with transaction.atomic():
        try:
            report = import_register(actor=area.staff, file=xlsx(rows))
        except DomainError as exc:
            assert exc.field == "file"  # e.g. only example rows
        else:
            for error in report.errors:
                assert error.row is not None and error.row >= 2
                assert error.message
        transaction.set_rollback(True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.binary(max_size=400), name=st.sampled_from(["x.csv", "x.xlsx", "x", "x.txt"]))
def test_random_bytes_only_ever_give_reported_errors(area, data, name):
    header = ",".join(HEADER).encode("utf-8") + b"\n"
    with transaction.atomic():
        for payload in (data, header + data):
            try:
                import_register(actor=area.staff, file=SimpleUploadedFile(name, payload))
            except DomainError as exc:
                assert exc.field == "file"
        transaction.set_rollback(True)
