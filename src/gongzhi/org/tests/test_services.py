from decimal import Decimal

import pytest

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.org import services
from gongzhi.org.models import Region, RegionKind, Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db


def test_create_region_builds_path_and_audits():
    admin = f.UserFactory(is_superuser=True, is_staff=True)
    st = services.create_region(actor=admin, kind=RegionKind.STREET, name="示范街道", code="S1")
    comm = services.create_region(
        actor=admin, kind=RegionKind.COMMUNITY, name="幸福社区", code="C1", parent=st
    )
    assert st.path == f"/{st.pk}/"
    assert comm.path == f"/{st.pk}/{comm.pk}/"
    assert comm.depth == 1
    assert AuditEvent.objects.filter(action="region.create", object_id=str(comm.pk)).exists()


def test_create_region_refuses_wrong_nesting_and_duplicate_code():
    admin = f.UserFactory(is_superuser=True)
    st = f.street(code="S9")
    with pytest.raises(ValidationFailed) as err:
        services.create_region(
            actor=admin, kind=RegionKind.BUILDING, name="1栋", code="B", parent=st
        )
    assert err.value.field == "kind"
    with pytest.raises(ValidationFailed) as err:
        services.create_region(
            actor=admin, kind=RegionKind.COMMUNITY, name="x", code="S9", parent=st
        )
    assert err.value.field == "code"


def test_grid_worker_cannot_add_a_building_to_another_grid():
    comm = f.community()
    mine, other = f.grid(comm), f.grid(comm)
    worker = f.user_with_role(Role.GRID_WORKER, mine)
    services.create_region(
        actor=worker, kind=RegionKind.BUILDING, name="1栋", code="B1", parent=mine
    )
    with pytest.raises(PermissionDenied):
        services.create_region(
            actor=worker, kind=RegionKind.BUILDING, name="2栋", code="B2", parent=other
        )
    assert not Region.objects.filter(code="B2").exists()


def test_create_household_rejects_duplicate_room_and_bad_area():
    b = f.building()
    staff = f.user_with_role(Role.COMMUNITY_STAFF, b.parent.parent)
    services.create_household(actor=staff, building=b, unit="1", room="101")
    with pytest.raises(Conflict):
        services.create_household(actor=staff, building=b, unit="1", room="101")
    with pytest.raises(ValidationFailed) as err:
        services.create_household(actor=staff, building=b, room="102", floor_area=Decimal("-3"))
    assert err.value.field == "floor_area"


def test_update_person_validates_phone_and_id_and_keeps_old_values():
    person = f.PersonFactory(phone="13800000000")
    staff = f.user_with_role(Role.COMMUNITY_STAFF, person.region.parent.parent)
    with pytest.raises(ValidationFailed) as err:
        services.update_person(actor=staff, person=person, phone="12345")
    assert err.value.field == "phone"
    with pytest.raises(ValidationFailed) as err:
        services.update_person(actor=staff, person=person, id_number="341102198001010011")
    assert err.value.field == "id_number"
    person.refresh_from_db()
    assert person.phone == "13800000000"


def test_update_person_on_behalf_records_both_people():
    # given a grid worker acting for an elderly resident (代办)
    resident = f.PersonFactory()
    worker = f.user_with_role(Role.GRID_WORKER, resident.region.parent)
    # when the worker changes the resident's phone on their behalf
    services.update_person(
        actor=worker, person=resident, on_behalf_of=resident, phone="139 0000 1111"
    )
    # then the phone is normalised and the audit row names actor and resident
    resident.refresh_from_db()
    assert resident.phone == "13900001111"
    event = AuditEvent.objects.get(action="person.update")
    assert event.actor == worker
    assert event.on_behalf_of == resident
    assert event.before["phone"].startswith("138")
    assert event.after["phone"] == "13900001111"


def test_resident_may_change_own_phone_but_not_household():
    home = f.HouseholdFactory()
    resident = f.user_with_role(Role.RESIDENT, home.building, household=home)
    services.update_person(actor=resident, person=resident.person, phone="13700000000")
    other_home = f.HouseholdFactory(building=home.building)
    with pytest.raises(PermissionDenied):
        services.update_person(actor=resident, person=resident.person, household=other_home)


def test_reveal_is_audited_and_refused_outside_scope():
    st = f.street()
    person = f.PersonFactory(
        household=f.HouseholdFactory(building=f.building(f.grid(f.community(st))))
    )
    supervisor = f.user_with_role(Role.STREET_SUPERVISOR, st)
    staff = f.user_with_role(Role.COMMUNITY_STAFF, person.region.parent.parent)
    with pytest.raises(PermissionDenied):
        services.reveal_personal_data(actor=supervisor, person=person)
    data = services.reveal_personal_data(actor=staff, person=person)
    assert data["phone"] == person.phone
    assert AuditEvent.objects.filter(action="person.reveal", actor=staff).count() == 1


def test_only_secretary_assigns_roles_in_own_community():
    st = f.street()
    comm_a, comm_b = f.community(st), f.community(st)
    secretary = f.user_with_role(Role.COMMUNITY_SECRETARY, comm_a)
    staff = f.user_with_role(Role.COMMUNITY_STAFF, comm_a)
    person = f.PersonFactory(household=None, region=comm_a)
    services.assign_role(actor=secretary, person=person, role=Role.GRID_WORKER, region=comm_a)
    with pytest.raises(PermissionDenied):
        services.assign_role(actor=secretary, person=person, role=Role.GRID_WORKER, region=comm_b)
    with pytest.raises(PermissionDenied):
        services.assign_role(actor=staff, person=person, role=Role.COMMUNITY_STAFF, region=comm_a)
    with pytest.raises(PermissionDenied):
        services.assign_role(
            actor=secretary, person=person, role=Role.PLATFORM_ADMIN, region=comm_a
        )


def test_in_service_party_member_needs_work_unit():
    org = f.PartyOrgFactory()
    person = f.PersonFactory()
    with pytest.raises(ValidationFailed) as err:
        services.add_party_member(actor=None, person=person, party_org=org, kind="in_service")
    assert err.value.field == "work_unit"
    member = services.add_party_member(
        actor=None, person=person, party_org=org, kind="in_service", work_unit="滁州市供电公司"
    )
    assert member.person.roles.filter(role=Role.PARTY_MEMBER).exists()


def test_audit_events_are_append_only():
    event = AuditEvent.objects.create(action="x", object_type="t")
    event.action = "y"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
