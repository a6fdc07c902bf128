"""Who an actor is to one appeal: owner, community staff, the resident, or only a viewer.

Pure over the actor's Scope and a few columns of the appeal (plus the co-handler ids), so the
services, the selectors and the pages all decide the same way. The capacities map onto the
`Actor` column of the state table (states.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gongzhi.appeals.states import Actor
from gongzhi.org.models import Role
from gongzhi.org.scopes import ACT_FOR_ROLES, Scope

# Community staff in scope: dispatch, reject, follow up, see anonymous identities.
COMMUNITY_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})
# Who sees every appeal of their area (read-only for the grid worker and the supervisor
# unless they are also the owner).
AREA_VIEW_ROLES = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.STREET_SUPERVISOR}
)
# Who may be given an appeal (transfer target, co-handler) when in the appeal's area.
HANDLER_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})


@dataclass(frozen=True)
class Relation:
    """What the actor is to the appeal. `capacities` feed states.check_any."""

    capacities: frozenset[Actor]
    can_view: bool
    is_area_staff: bool  # sees the appeal through a staff role over its area
    is_community_staff: bool
    is_partner: bool  # sees it only as the assigned partner's handler
    is_resident: bool


NOTHING = Relation(frozenset(), False, False, False, False, False)


def relation(
    scope: Scope,
    appeal: Any,
    *,
    co_handler_ids: Iterable[int] = (),
    on_behalf_of_id: int | None = None,
) -> Relation:
    """`appeal` needs: scope_path, resident_id, submitted_by_id, owner_person_id,
    assigned_person_id, owner_partner_id. `on_behalf_of_id` is the resident a staff member
    is acting for (代办): they act as that resident if their role covers the appeal."""
    if scope.user_id is None:
        return NOTHING
    capacities: set[Actor] = set()
    path = appeal.scope_path
    person_id = scope.person_id
    is_community_staff = scope.covers(path, COMMUNITY_ROLES)
    is_area_staff = scope.covers(path, AREA_VIEW_ROLES)
    if is_community_staff:
        capacities.add(Actor.STAFF)
    partners = scope.partner_ids()
    partner_owned = appeal.owner_partner_id is not None and appeal.owner_partner_id in partners
    if person_id is not None:
        if appeal.owner_person_id is not None:
            owner = appeal.owner_person_id == person_id
        elif appeal.assigned_person_id is not None:
            owner = appeal.assigned_person_id == person_id
        elif appeal.owner_partner_id is None:
            # Nobody routed: any grid worker of the grid may take it.
            owner = scope.covers(path, {Role.GRID_WORKER})
        else:
            owner = False
        if owner or partner_owned or person_id in set(co_handler_ids):
            capacities.add(Actor.OWNER)
    is_resident = (
        person_id is not None
        and (
            appeal.resident_id == person_id
            or (appeal.resident_id is None and appeal.submitted_by_id == scope.user_id)
        )
    ) or (
        # 代办: staff acting for the resident, over whose area they have an act-for role.
        on_behalf_of_id is not None
        and appeal.resident_id == on_behalf_of_id
        and scope.covers(path, ACT_FOR_ROLES)
    )
    if is_resident:
        capacities.add(Actor.RESIDENT)
    can_view = bool(capacities) or is_area_staff or scope.is_admin
    return Relation(
        capacities=frozenset(capacities),
        can_view=can_view,
        is_area_staff=is_area_staff or scope.is_admin,
        is_community_staff=is_community_staff,
        is_partner=partner_owned and not is_area_staff,
        is_resident=is_resident,
    )
