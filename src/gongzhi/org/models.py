"""The organisation every feature is scoped by.

Regions and Party organisations are trees stored with a materialised path ("/1/4/17/"), so a
subtree is one indexed `path__startswith` filter on any database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped


class RegionKind(models.TextChoices):
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")


# Which kind may sit under which: street > community|village > grid > building.
ALLOWED_CHILDREN: dict[str, set[str]] = {
    RegionKind.STREET: {RegionKind.COMMUNITY, RegionKind.VILLAGE},
    RegionKind.COMMUNITY: {RegionKind.GRID},
    RegionKind.VILLAGE: {RegionKind.GRID},
    RegionKind.GRID: {RegionKind.BUILDING},
    RegionKind.BUILDING: set(),
}


class Region(TimeStamped):
    kind = models.CharField(_("kind"), max_length=16, choices=RegionKind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84 lon/lat) and a label point.
    geometry = models.JSONField(_("shape"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Ownership(models.TextChoices):
    OWNER = "owner", _("Owner-occupied")
    TENANT = "tenant", _("Rented")
    PUBLIC = "public", _("Public housing")
    VACANT = "vacant", _("Vacant")


class Household(TimeStamped):
    building = models.ForeignKey(
        Region, verbose_name=_("building"), on_delete=models.PROTECT, related_name="households"
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20)
    address = models.CharField(_("address"), max_length=200)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    ownership = models.CharField(
        _("ownership"), max_length=16, choices=Ownership.choices, default=Ownership.OWNER
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building__path", "unit", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], name="household_unique_room"
            )
        ]

    def __str__(self) -> str:
        return self.address


class Gender(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")
    UNKNOWN = "", _("Unknown")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other")


class Person(TimeStamped):
    """A resident, a worker or anyone else the platform knows.

    `region` is where the person is registered: the building of their household, or the
    community (or street) for staff who live elsewhere. It is what scopes them.
    """

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default="", blank=True
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, db_index=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation = models.CharField(
        _("relation to head"), max_length=16, choices=Relation.choices, blank=True
    )
    region = models.ForeignKey(
        Region, verbose_name=_("registered at"), on_delete=models.PROTECT, related_name="people"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Tag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    EMPTY_NEST = "empty_nest", _("Empty-nest elderly")
    DISABILITY = "disability", _("Disability")
    LOW_INCOME = "low_income", _("Low income (dibao)")
    VETERAN = "veteran", _("Veteran")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")


class PersonTag(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=32, choices=Tag.choices)

    class Meta:
        verbose_name = _("person tag")
        verbose_name_plural = _("person tags")
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_once")]

    def __str__(self) -> str:
        return self.get_tag_display()


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Community Party committee")
    BRANCH = "branch", _("Grid Party branch")
    GROUP = "group", _("Building Party group")
    CENTER_HOUSEHOLD = "center_household", _("Party-member centre household")


PARTY_ALLOWED_CHILDREN: dict[str, set[str]] = {
    PartyOrgKind.COMMITTEE: {PartyOrgKind.BRANCH},
    PartyOrgKind.BRANCH: {PartyOrgKind.GROUP},
    PartyOrgKind.GROUP: {PartyOrgKind.CENTER_HOUSEHOLD},
    PartyOrgKind.CENTER_HOUSEHOLD: set(),
}


class PartyOrg(TimeStamped):
    kind = models.CharField(_("kind"), max_length=20, choices=PartyOrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="party_orgs"
    )
    path = models.CharField(_("path"), max_length=255, unique=True)
    secretary = models.ForeignKey(
        Person,
        verbose_name=_("secretary"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Party organisation")
        verbose_name_plural = _("Party organisations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class MembershipKind(models.TextChoices):
    COMMUNITY = "community", _("Community member")
    IN_SERVICE = "in_service", _("In-service member (dual registration)")


class PartyMember(TimeStamped):
    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="party_member"
    )
    party_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("Party organisation"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    kind = models.CharField(
        _("membership"),
        max_length=16,
        choices=MembershipKind.choices,
        default=MembershipKind.COMMUNITY,
    )
    joined_on = models.DateField(_("joined the Party"), null=True, blank=True)
    # 双报到: an in-service member keeps their organisation at work and registers at home.
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    registered_on = models.DateField(_("registered at community"), null=True, blank=True)

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")

    def __str__(self) -> str:
        return self.person.name


class PartnerKind(models.TextChoices):
    PROPERTY = "property", _("Property management company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    RESIDENT_UNIT = "resident_unit", _("Resident unit")
    SOCIAL_ORG = "social_org", _("Social organisation")
    SHOP = "shop", _("Shop")
    OTHER = "other", _("Other")


class PartnerUnit(TimeStamped):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("serves"), on_delete=models.PROTECT, related_name="partners"
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(TimeStamped):
    """1+5+N: part-time members of the community Party committee drawn from partner units."""

    party_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="committee_members",
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE)
    partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    title = models.CharField(_("title"), max_length=50)
    is_part_time = models.BooleanField(_("part-time"), default=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["party_org", "person"], name="committee_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.title})"


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    COMMUNITY_SECRETARY = "community_secretary", _("Community secretary")
    STREET_SUPERVISOR = "street_supervisor", _("Street supervisor")
    PARTNER_HANDLER = "partner_handler", _("Partner-unit handler")
    PARTY_MEMBER = "party_member", _("Party member")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


class RoleAssignment(TimeStamped):
    """person × role × region node: the role reaches that node's subtree and nothing else."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="assignments"
    )
    partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="handlers",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "region"], name="role_assignment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.region}"
