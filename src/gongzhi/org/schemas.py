"""What the organisation API takes and gives (django-ninja schemas).

Output shapes never carry unmasked personal data except where a person reads themself or an
audited reveal returns it (`PersonCardOut.masked` says which). Input shapes bound every
string and number, so that no input can reach the database in a shape it refuses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from gongzhi.api.schemas import Id
from gongzhi.org.models import Gender, Ownership, RegionKind, Relation, Role, Tag

# --- small references ----------------------------------------------------------------------


class RegionRef(Schema):
    id: int
    name: str
    kind: RegionKind


class PartnerRef(Schema):
    id: int
    name: str


# --- regions -------------------------------------------------------------------------------


class RegionOut(Schema):
    id: int
    kind: RegionKind
    kind_label: str
    name: str
    code: str
    parent_id: int | None
    depth: int
    latitude: float | None
    longitude: float | None


class RegionChildOut(RegionOut):
    n_households: int = Field(description="Households registered in this region itself.")


class RegionFilters(Schema):
    kind: RegionKind | None = Field(None, description="Only regions of this kind.")
    parent: Id | None = Field(None, description="Only the direct children of this region.")


# --- people --------------------------------------------------------------------------------


class PersonCardOut(Schema):
    """A person as lists and pages show them: masked unless `masked` is false."""

    id: int
    name: str
    phone: str
    id_number: str
    address: str
    birth_year: int | None
    gender: str
    tags: list[str]
    masked: bool
    can_reveal: bool = Field(description="Whether this viewer may ask for the unmasked data.")


class PersonOut(PersonCardOut):
    household_id: int | None
    region: RegionRef


class RevealOut(Schema):
    id: int
    phone: str
    id_number: str
    address: str


class PeopleFilters(Schema):
    region: Id | None = Field(None, description="Only people registered in this region's subtree.")
    tag: Tag | None = Field(None, description="Only people with this tag.")


Name = Annotated[str, Field(min_length=1, max_length=50)]


def _no_defaults(schema: dict[str, Any]) -> None:
    """A PATCH field is either sent or left alone: it has no default to show."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


# The default of a PATCH field that was not sent; never read (the endpoint uses exclude_unset).
_NOT_SENT: Any = None


class PersonPatchIn(Schema):
    """Send only the fields to change. `null` clears `birth_year` and `household`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_defaults)

    # Defaults are never used (the endpoint reads only the fields that were sent); an explicit
    # null for a field that cannot be empty is a 422.
    name: Name = Field(_NOT_SENT)
    gender: Gender = Field(_NOT_SENT)
    birth_year: Annotated[int, Field(ge=1900, le=2100)] | None = Field(_NOT_SENT)
    phone: Annotated[str, Field(max_length=20)] = Field(_NOT_SENT)
    id_number: Annotated[str, Field(max_length=18)] = Field(_NOT_SENT)
    relation: Relation | Literal[""] = Field(_NOT_SENT)
    household: Id | None = Field(None, description="Move the person to this household.")
    tags: list[Tag] = Field(_NOT_SENT, max_length=len(Tag.values))


# --- households ------------------------------------------------------------------------------


class HouseholdOut(Schema):
    id: int
    building: RegionRef
    unit: str
    address: str = Field(description="Masked: the building is shown, the room is not.")
    ownership: Ownership
    floor_area: float | None
    n_members: int


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonCardOut]


class HouseholdFilters(Schema):
    region: Id | None = Field(None, description="Only households in this region's subtree.")


class HouseholdIn(Schema):
    model_config = ConfigDict(extra="forbid")

    building: Id = Field(description="The id of a building region in your area.")
    room: Annotated[str, Field(min_length=1, max_length=20)]
    unit: Annotated[str, Field(max_length=20)] = ""
    floor_area: Annotated[Decimal, Field(gt=0, lt=10000, max_digits=8, decimal_places=2)] | None = (
        None
    )
    ownership: Ownership = Ownership.OWNER


# --- partners and Party organisations ---------------------------------------------------------


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region: RegionRef
    contact_name: str
    contact_phone: str = Field(description="Masked.")
    is_active: bool


class PartyOrgOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    parent_id: int | None
    region: RegionRef
    n_members: int


# --- me ----------------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str


class RoleOut(Schema):
    role: Role
    role_label: str
    region: RegionRef
    partner: PartnerRef | None


class MeOut(Schema):
    user: UserOut
    person: PersonCardOut | None
    roles: list[RoleOut]
    is_admin: bool
