"""The register page, the template, the export and its round trip, and what each role sees."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing.scope_matrix import GRID_OUT_MARKER, OUT_MARKER, build_world
from gongzhi.org.models import Household, Person, PersonTag, Role
from gongzhi.org.register_export import export_register
from gongzhi.org.register_import import import_register
from gongzhi.org.tests import factories as f
from gongzhi.org.tests.test_register_import import (
    HEADER,
    area_fixture,  # noqa: F401 (the "area" fixture)
    bad_check_digit,
    eight_rows,
    xlsx,
)


def client_for(user: Any, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def all_text(content: bytes) -> str:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    parts = []
    for ws in wb.worksheets:
        for values in ws.iter_rows(values_only=True):
            parts.extend(str(v) for v in values if v is not None)
    return "\n".join(parts)


def snapshot() -> dict[str, Any]:
    return {
        "households": sorted(
            Household.objects.values_list(
                "pk", "building_id", "unit", "room", "address", "floor_area", "ownership"
            )
        ),
        "people": sorted(
            Person.objects.values_list(
                "pk",
                "name",
                "gender",
                "birth_year",
                "phone",
                "id_number",
                "household_id",
                "relation",
                "region_id",
            )
        ),
        "tags": sorted(PersonTag.objects.values_list("person_id", "tag")),
    }


# --- the page ----------------------------------------------------------------------------------


def test_page_in_chinese_by_default_and_english_on_request(area):
    zh = client_for(area.staff).get(reverse("org:register"))
    en = client_for(area.staff, "en").get(reverse("org:register"))

    assert zh.status_code == en.status_code == 200
    assert "居民台账" in zh.content.decode()
    assert "Household register" in en.content.decode()
    assert reverse("org:register_template") in zh.content.decode()
    assert reverse("org:register_import") in zh.content.decode()


def test_grid_worker_sees_export_but_no_upload_form(area):
    grid_worker = f.user_with_role(Role.GRID_WORKER, area.b1.parent)
    body = client_for(grid_worker).get(reverse("org:register")).content.decode()
    assert reverse("org:register_export") in body
    assert reverse("org:register_import") not in body


def test_residents_and_supervisors_are_refused(area):
    resident = f.user_with_role(Role.RESIDENT, area.b1)
    supervisor = f.user_with_role(Role.STREET_SUPERVISOR, area.comm.parent)
    for user in (resident, supervisor):
        client = client_for(user)
        assert client.get(reverse("org:register")).status_code == 403
        assert client.get(reverse("org:register_export")).status_code == 403
        assert client.post(reverse("org:register_import")).status_code == 403


def test_upload_with_a_bad_row_lists_the_error_and_imports_nothing(area):
    rows = eight_rows(area)
    rows[5][10] = bad_check_digit(rows[5][10])
    client = client_for(area.staff)

    response = client.post(reverse("org:register_import"), {"file": xlsx(rows)})

    assert response.status_code == 200
    body = response.content.decode()
    assert "<td>7</td><td>K 身份证号</td>" in body
    assert not Person.objects.filter(name="张伟").exists()


def test_upload_of_a_good_file_redirects_with_a_summary(area):
    client = client_for(area.staff, "en")

    response = client.post(
        reverse("org:register_import"), {"file": xlsx(eight_rows(area))}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("org:register")
    body = response.content.decode()
    assert "4 households added" in body and "7 residents added" in body


def test_upload_of_a_wrong_file_type_re_renders_with_the_reason(area):
    response = client_for(area.staff, "en").post(
        reverse("org:register_import"), {"file": SimpleUploadedFile("x.pdf", b"%PDF")}
    )
    assert response.status_code == 200
    assert "Upload an Excel workbook (.xlsx) or a CSV file." in response.content.decode()


# --- the template --------------------------------------------------------------------------------


def test_template_downloads_and_opens_with_the_codes_of_the_actors_area(area):
    response = client_for(area.staff).get(reverse("org:register_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["居民台账", "说明"]
    ws = wb["居民台账"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws["A1"].comment is not None and ws["A1"].comment.text.startswith("building_code")
    assert ws["A2"].value == "示例"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["K"].width > 15
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["H"] == '"男,女"'
    assert "户主" in lists["G"] and "租住" in lists["E"] and "独居老人" in lists["L"]
    assert lists["A"].startswith("'说明'!$A$")
    help_text = all_text(response.content)
    assert "XF-01" in help_text and "XF-02" in help_text
    assert "GB-01" not in help_text  # another community's building


def test_the_template_imports_as_is_without_creating_anything(area):
    content = client_for(area.staff).get(reverse("org:register_template")).content
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=area.staff, file=SimpleUploadedFile("t.xlsx", content))
    assert "示例" in str(caught.value.message)
    assert not Person.objects.filter(name="张三").exists()


# --- the export ---------------------------------------------------------------------------------


def test_round_trip_export_then_import_changes_nothing(area):
    import_register(actor=area.staff, file=xlsx(eight_rows(area)))
    before = snapshot()
    events = AuditEvent.objects.count()

    response = client_for(area.staff).get(reverse("org:register_export"))
    assert response.status_code == 200
    report = import_register(
        actor=area.staff, file=SimpleUploadedFile("export.xlsx", response.content)
    )

    assert report.ok, report.errors
    assert (report.households_created, report.households_updated) == (0, 0)
    assert (report.people_created, report.people_updated) == (0, 0)
    assert report.people_unchanged == 7 and report.households_unchanged == 4
    assert snapshot() == before
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[events:])
    assert actions == ["register.export", "register.import"]


def test_export_has_the_template_columns_and_full_values_for_revealers(area):
    import_register(actor=area.staff, file=xlsx(eight_rows(area)))

    export = export_register(actor=area.staff)

    wb = load_workbook(io.BytesIO(export.content))
    ws = wb["居民台账"]
    assert [c.value for c in ws[1]] == HEADER
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    zhang = next(r for r in rows if r[5] == "张伟")
    assert zhang[:6] == ["XF-01", "1", "101", 89.5, "自有", "张伟"]
    assert zhang[9] == "13800000001" and zhang[11] == "退役军人"
    assert any(r[2] == "301" and r[5] is None for r in rows)  # the vacant flat
    assert (export.households, export.people, export.unmasked) == (4, 7, 7)
    event = AuditEvent.objects.get(action="register.export")
    assert event.after["people"] == 7 and event.after["unmasked"] == 7
    assert event.scope_path == area.comm.path


def test_masked_export_still_round_trips(area, monkeypatch):
    # given a role that may export but not reveal (none today: the rule is per building)
    import_register(actor=area.staff, file=xlsx(eight_rows(area)))
    before = snapshot()
    monkeypatch.setattr("gongzhi.org.register_export.REVEAL_ROLES", frozenset())

    export = export_register(actor=area.staff)
    text = all_text(export.content)

    assert "13800000001" not in text and "138****0001" in text
    assert export.unmasked == 0
    report = import_register(actor=area.staff, file=SimpleUploadedFile("m.xlsx", export.content))
    assert report.ok, report.errors
    assert snapshot() == before


def test_formula_like_names_are_exported_as_text_and_round_trip(area):
    household = f.HouseholdFactory(building=area.b1, unit="1", room="909")
    f.PersonFactory(
        household=household, name='=HYPERLINK("http://x")', id_number="", relation="head"
    )

    content = export_register(actor=area.staff).content

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert "=HYPERLINK" in all_text(content)
    report = import_register(actor=area.staff, file=SimpleUploadedFile("e.xlsx", content))
    assert report.ok and report.people_unchanged == 1


@pytest.mark.django_db
def test_exports_never_contain_data_from_outside_the_actors_area():
    world = build_world()

    staff_file = (
        client_for(world.users[Role.COMMUNITY_STAFF]).get(reverse("org:register_export")).content
    )
    grid_file = (
        client_for(world.users[Role.GRID_WORKER]).get(reverse("org:register_export")).content
    )
    admin_file = (
        client_for(world.users[Role.PLATFORM_ADMIN]).get(reverse("org:register_export")).content
    )

    staff_text, grid_text = all_text(staff_file), all_text(grid_file)
    assert "王建国" in staff_text and f"{GRID_OUT_MARKER}李" in staff_text
    assert OUT_MARKER not in staff_text
    assert "王建国" in grid_text
    assert GRID_OUT_MARKER not in grid_text and OUT_MARKER not in grid_text
    assert f"{OUT_MARKER}赵" in all_text(admin_file)  # the administrator sees the street


@pytest.mark.django_db
def test_templates_never_list_buildings_from_outside_the_actors_area():
    world = build_world()
    for role, marker in ((Role.COMMUNITY_STAFF, OUT_MARKER), (Role.GRID_WORKER, GRID_OUT_MARKER)):
        content = client_for(world.users[role]).get(reverse("org:register_template")).content
        assert marker not in all_text(content), role


def test_export_of_one_region_is_limited_to_it_and_other_regions_are_404(area):
    import_register(actor=area.staff, file=xlsx(eight_rows(area)))
    client = client_for(area.staff)

    response = client.get(reverse("org:register_export"), {"region": area.b2.pk})
    assert response.status_code == 200
    text = all_text(response.content)
    assert "赵强" in text and "张伟" not in text
    assert (
        client.get(reverse("org:register_export"), {"region": area.b_other.pk}).status_code == 404
    )
    assert client.get(reverse("org:register_export"), {"region": "x"}).status_code == 404


def test_csv_saved_from_an_export_imports(area):
    # Excel users often "save as CSV": header plus text cells; here built by hand in GBK.
    import_register(actor=area.staff, file=xlsx(eight_rows(area)))
    wb = load_workbook(io.BytesIO(export_register(actor=area.staff).content), read_only=True)
    lines = []
    for values in wb["居民台账"].iter_rows(values_only=True):
        lines.append(",".join("" if v is None else str(v) for v in values))
    data = "\r\n".join(lines).encode("gbk")

    report = import_register(actor=area.staff, file=SimpleUploadedFile("e.csv", data))

    assert report.ok, report.errors
    assert report.people_unchanged == 7
