"""Admin for platform administrators. Writes go through services; personal data stays masked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import DomainError
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.org import services
from gongzhi.org.models import (
    CommitteeMember,
    Household,
    PartnerUnit,
    PartyMember,
    PartyOrg,
    Person,
    Region,
    RoleAssignment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse only: these rows change through the organisation pages and their services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth"]
    fields = [
        "kind",
        "name",
        "code",
        "parent",
        "latitude",
        "longitude",
        "geometry",
        "path",
        "depth",
    ]
    raw_id_fields = ["parent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The place in the tree is fixed once created: moving would re-scope everything under it.
        return [*self.readonly_fields, "kind", "code", "parent"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        try:
            if change:
                services.update_region(
                    actor=request.user,
                    region=obj,
                    name=obj.name,
                    geometry=obj.geometry,
                    latitude=obj.latitude,
                    longitude=obj.longitude,
                )
            else:
                created = services.create_region(
                    actor=request.user,
                    kind=obj.kind,
                    name=obj.name,
                    code=obj.code,
                    parent=obj.parent,
                    geometry=obj.geometry,
                    latitude=obj.latitude,
                    longitude=obj.longitude,
                )
                obj.pk = created.pk
        except DomainError as exc:
            messages.error(request, str(exc.message))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["address", "building", "floor_area", "ownership"]
    list_filter = ["ownership"]
    search_fields = ["address"]
    list_select_related = ["building"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """Masked here as everywhere: full data is revealed, audited, on the person page."""

    list_display = ["name", "masked_phone", "masked_id_number", "birth_year", "region"]
    search_fields = ["name"]
    list_select_related = ["region"]
    SHOWN: tuple[str, ...] = (
        "name",
        "gender",
        "birth_year",
        "masked_phone",
        "masked_id_number",
        "household",
        "relation",
        "region",
    )
    fields = SHOWN
    readonly_fields = SHOWN

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone) if obj.phone else ""

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Person) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else ""


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "region", "partner", "created_at"]
    list_filter = ["role"]
    search_fields = ["person__name", "region__name"]
    raw_id_fields = ["person", "region", "partner"]
    fields = ["person", "role", "region", "partner"]
    list_select_related = ["person", "region", "partner"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None  # revoke and assign anew: assignments are history

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        try:
            created = services.assign_role(
                actor=request.user,
                person=obj.person,
                role=obj.role,
                region=obj.region,
                partner=obj.partner,
            )
            obj.pk = created.pk
        except DomainError as exc:
            messages.error(request, str(exc.message))

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.revoke_role(actor=request.user, assignment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for assignment in queryset.select_related("region"):
            services.revoke_role(actor=request.user, assignment=assignment)


@admin.register(PartyOrg)
class PartyOrgAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "region", "secretary", "path"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(PartyMember)
class PartyMemberAdmin(ReadOnlyAdmin):
    list_display = ["person", "party_org", "kind", "work_unit", "registered_on"]
    list_filter = ["kind"]
    search_fields = ["person__name", "work_unit"]
    list_select_related = ["person", "party_org"]


@admin.register(PartnerUnit)
class PartnerUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "region", "contact_name", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    list_display = ["person", "title", "party_org", "partner", "is_part_time"]
