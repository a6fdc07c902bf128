"""An actor's place in the organisation tree, computed once per request.

A role held at a region reaches that region's subtree and nothing else. Selectors use
`Scope.q()` to filter; services use `Scope.covers()` to refuse writes outside the scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from gongzhi.org.models import Role

STAFF_ROLES = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.STREET_SUPERVISOR}
)
# Who may see a resident's full phone, ID number and address (audited each time).
REVEAL_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})
# Who may change households and people.
EDIT_ROLES = REVEAL_ROLES
# Who may import and export the household register.
IMPORT_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})
EXPORT_ROLES = REVEAL_ROLES
AUDIT_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.STREET_SUPERVISOR})
# Who may act on behalf of a resident (代办).
ACT_FOR_ROLES = REVEAL_ROLES
ROLE_MANAGER_ROLES = frozenset({Role.COMMUNITY_SECRETARY})


@dataclass(frozen=True)
class Grant:
    role: str
    region_id: int
    path: str
    partner_id: int | None = None


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    person_id: int | None = None
    household_id: int | None = None
    home_path: str = ""
    is_admin: bool = False
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def roles(self) -> frozenset[str]:
        roles = {g.role for g in self.grants}
        if self.is_admin:
            roles.add(Role.PLATFORM_ADMIN)
        return frozenset(roles)

    def has_any(self, roles: Iterable[str]) -> bool:
        return self.is_admin or bool(self.roles & set(roles))

    def paths(self, roles: Iterable[str]) -> tuple[str, ...]:
        """The minimal set of subtree roots reached through any of `roles`."""
        wanted = set(roles)
        found = sorted({g.path for g in self.grants if g.role in wanted})
        minimal: list[str] = []
        for path in found:
            if not any(path.startswith(root) for root in minimal):
                minimal.append(path)
        return tuple(minimal)

    def covers(self, path: str, roles: Iterable[str]) -> bool:
        if self.is_admin:
            return True
        return any(path.startswith(root) for root in self.paths(roles))

    def q(self, path_field: str, roles: Iterable[str]) -> Q:
        """A filter on `<path_field>__startswith` for every root reached through `roles`."""
        if self.is_admin:
            return Q()
        roots = self.paths(roles)
        if not roots:
            return Q(pk__in=[])
        out = Q()
        for root in roots:
            out |= Q(**{f"{path_field}__startswith": root})
        return out

    def partner_ids(self) -> frozenset[int]:
        return frozenset(
            g.partner_id
            for g in self.grants
            if g.role == Role.PARTNER_HANDLER and g.partner_id is not None
        )

    def narrowest_staff_path(self) -> str:
        """Where a staff member's home page starts: their broadest staff root."""
        roots = self.paths(STAFF_ROLES | {Role.PLATFORM_ADMIN})
        return min(roots, key=len) if roots else ""


ANONYMOUS = Scope(user_id=None)


def scope_for(user: Any) -> Scope:
    """The scope of a user, memoised on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_gongzhi_scope", None)
    if cached is not None:
        return cached
    from gongzhi.org.models import RoleAssignment

    person = user.person
    grants: tuple[Grant, ...] = ()
    household_id = None
    home_path = ""
    if person is not None:
        household_id = person.household_id
        home_path = person.region.path
        grants = tuple(
            Grant(role=r.role, region_id=r.region_id, path=r.region.path, partner_id=r.partner_id)
            for r in RoleAssignment.objects.filter(person=person).select_related("region")
        )
    is_admin = bool(user.is_superuser) or any(g.role == Role.PLATFORM_ADMIN for g in grants)
    scope = Scope(
        user_id=user.pk,
        person_id=person.pk if person else None,
        household_id=household_id,
        home_path=home_path,
        is_admin=is_admin,
        grants=grants,
    )
    user._gongzhi_scope = scope
    return scope
