"""Export of the household register: the template's columns, filled from the actor's area.

The file can be imported again unchanged (the round trip changes nothing). Phone and ID
number are written in full only where the actor may reveal them (REVEAL_ROLES over the
person's building); every export writes a "register.export" audit event with its counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.org.models import PersonTag, Region
from gongzhi.org.register_io import (
    COLUMNS,
    GENDER_LABELS,
    OWNERSHIP_LABELS,
    RELATION_LABELS,
    TAG_LABELS,
    build_workbook,
    building_infos,
    general_notes,
    natural_key,
)
from gongzhi.org.scopes import EXPORT_ROLES, REVEAL_ROLES, scope_for
from gongzhi.org.selectors import households_visible, people_visible

CHUNK = 500


@dataclass(frozen=True)
class RegisterExport:
    content: bytes
    filename: str
    households: int
    people: int
    unmasked: int


def _area(value: Decimal | None) -> float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@transaction.atomic
def export_register(*, actor: Any, region: Region | None = None) -> RegisterExport:
    """The register of the actor's area (or of `region` inside it) as an .xlsx workbook."""
    scope = scope_for(actor)
    if not scope.has_any(EXPORT_ROLES):
        raise PermissionDenied(_("Only community staff and grid workers can export the register."))
    area = scope.q("building__path", EXPORT_ROLES)
    households_qs = households_visible(actor).filter(area)
    if region is not None:
        households_qs = households_qs.filter(building__path__startswith=region.path)
    households = list(
        households_qs.select_related("building").only(
            "pk", "unit", "room", "floor_area", "ownership", "building__code", "building__path"
        )
    )
    households.sort(
        key=lambda h: (natural_key(h.building.code), natural_key(h.unit), natural_key(h.room), h.pk)
    )
    by_household: dict[int, list[dict[str, Any]]] = defaultdict(list)
    household_ids = [h.pk for h in households]
    for start in range(0, len(household_ids), CHUNK):
        chunk = household_ids[start : start + CHUNK]
        people = (
            people_visible(actor)
            .filter(household_id__in=chunk)
            .values(
                "pk",
                "household_id",
                "name",
                "relation",
                "gender",
                "birth_year",
                "phone",
                "id_number",
            )
        )
        for person in people:
            by_household[person["household_id"]].append(dict(person))
    tags: dict[int, list[str]] = defaultdict(list)
    person_ids = [p["pk"] for members in by_household.values() for p in members]
    for start in range(0, len(person_ids), CHUNK):
        for person_id, tag in PersonTag.objects.filter(
            person_id__in=person_ids[start : start + CHUNK]
        ).values_list("person_id", "tag"):
            tags[person_id].append(tag)

    counts = {"people": 0, "unmasked": 0}
    reveal_cache: dict[str, bool] = {}

    def rows() -> Iterator[list[Any]]:
        for household in households:
            building = household.building
            if building.path not in reveal_cache:
                reveal_cache[building.path] = scope.covers(building.path, REVEAL_ROLES)
            reveal = reveal_cache[building.path]
            head = [
                building.code,
                household.unit,
                household.room,
                _area(household.floor_area),
                OWNERSHIP_LABELS.get(household.ownership, household.ownership),
            ]
            members = sorted(
                by_household.get(household.pk, []),
                key=lambda p: (p["relation"] != "head", p["pk"]),
            )
            if not members:
                yield [*head, *([None] * (len(COLUMNS) - len(head)))]
                continue
            for p in members:
                counts["people"] += 1
                counts["unmasked"] += reveal
                phone, id_number = p["phone"], p["id_number"]
                if not reveal:
                    phone = mask_phone(phone) if phone else ""
                    id_number = mask_id_number(id_number) if id_number else ""
                person_tags = sorted(tags.get(p["pk"], []), key=list(TAG_LABELS).index)
                yield [
                    *head,
                    p["name"],
                    RELATION_LABELS.get(p["relation"], p["relation"]) or None,
                    GENDER_LABELS.get(p["gender"], p["gender"]) or None,
                    p["birth_year"],
                    phone or None,
                    id_number or None,
                    "、".join(TAG_LABELS.get(t, t) for t in person_tags) or None,
                ]

    now = timezone.localtime()
    notes = [
        _("Exported on %(time)s: %(households)s households.")
        % {"time": now.strftime("%Y-%m-%d %H:%M"), "households": len(households)},
        *general_notes(),
    ]
    content = build_workbook(
        rows=rows(), buildings=building_infos(actor, EXPORT_ROLES), notes=notes
    )
    roots = scope.paths(EXPORT_ROLES)
    scope_path = region.path if region is not None else (roots[0] if len(roots) == 1 else "")
    audit.record(
        actor=actor,
        action="register.export",
        object_type="org.register",
        object_repr=region.name if region is not None else "register",
        scope_path=scope_path,
        after={
            "households": len(households),
            "people": counts["people"],
            "unmasked": counts["unmasked"],
            "scope": [region.path] if region is not None else list(roots) or ["*"],
        },
    )
    parts = [_("Household register"), *([region.name] if region is not None else [])]
    filename = "-".join([*parts, f"{now:%Y%m%d-%H%M}"]) + ".xlsx"
    return RegisterExport(
        content=content,
        filename=filename,
        households=len(households),
        people=counts["people"],
        unmasked=counts["unmasked"],
    )
