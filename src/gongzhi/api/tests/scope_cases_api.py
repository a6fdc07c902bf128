"""Scope cases for every URL of the JSON API (see core/testing/scope_matrix.py).

Who gets what, from the selectors: staff (grid worker and up) see their subtree; a resident sees
their own household and its members; a partner handler and a Party member see themselves (and,
for lists, their partner unit or Party organisation). Lists answer 200 to everyone logged in,
filtered; details answer 404 outside the caller's reach.
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.testing.scope_matrix import ALL_ROLES, EVERYONE, UrlCase, World
from gongzhi.org.models import Role

STAFF_AND_ADMIN = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.STREET_SUPERVISOR,
        Role.PLATFORM_ADMIN,
    }
)
EDITORS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.PLATFORM_ADMIN}
)
# People who are not staff and live in no household of the world: they can read themselves.
SELF_ONLY = (Role.PARTNER_HANDLER, Role.PARTY_MEMBER)


def _self(role: str):
    def kwargs(w: World) -> dict[str, Any]:
        person = w.users[role].person
        assert person is not None
        return {"person_id": person.pk}

    return kwargs


def _own_token(role: str):
    def kwargs(w: World) -> dict[str, Any]:
        from gongzhi.api.services import issue_api_token

        return {"token_id": issue_api_token(actor=w.users[role], name=f"{role} script").token.pk}

    return kwargs


def _someone_elses_token(w: World) -> dict[str, Any]:
    from gongzhi.api.services import issue_api_token
    from gongzhi.org.tests.factories import UserFactory

    return {"token_id": issue_api_token(actor=UserFactory(), name="not yours").token.pk}


def _grid_region(key: str):
    # The grid worker reaches grid A1 only; everyone else on staff reaches community A.
    return {Role.GRID_WORKER: lambda w: {"region_id": getattr(w, key).pk}}


CASES = [
    # Ninja's root, ours: a public index of links. Schema and docs are public (no data).
    UrlCase("api:api-root", allowed=EVERYONE, public=True, ok_status=frozenset({200})),
    UrlCase("api:openapi-json", allowed=EVERYONE, public=True, ok_status=frozenset({200})),
    UrlCase("api:openapi-view", allowed=EVERYONE, public=True, ok_status=frozenset({200})),
    # Any other path under /api/v1/: a JSON 404 for everyone.
    UrlCase("api:not-found", allowed=frozenset(), kwargs_in=lambda w: {"rest": "no/such/thing"}),
    UrlCase("api:org_me", allowed=EVERYONE, ok_status=frozenset({200})),
    # Regions: staff only see any; lists are empty (200) for the others.
    UrlCase("api:org_regions", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase(
        "api:org_region",
        allowed=STAFF_AND_ADMIN,
        kwargs_in=lambda w: {"region_id": w.comm_a.pk},
        kwargs_in_for=_grid_region("grid_a1"),
        kwargs_out=lambda w: {"region_id": w.comm_b.pk},
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "api:org_region_children",
        allowed=STAFF_AND_ADMIN,
        kwargs_in=lambda w: {"region_id": w.comm_a.pk},
        kwargs_in_for=_grid_region("grid_a1"),
        kwargs_out=lambda w: {"region_id": w.comm_b.pk},
        ok_status=frozenset({200}),
    ),
    UrlCase("api:org_households", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase(
        "api:org_household",
        allowed=STAFF_AND_ADMIN | {Role.RESIDENT},
        kwargs_in=lambda w: {"household_id": w.household_a1.pk},
        kwargs_out=lambda w: {"household_id": w.household_b1.pk},
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "api:org_household_create",
        method="POST",
        json=True,
        allowed=EDITORS,
        data=lambda w: {"building": w.building_a1.pk, "room": "909", "unit": "2"},
        ok_status=frozenset({201}),
    ),
    UrlCase("api:org_people", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase(
        "api:org_person",
        allowed=STAFF_AND_ADMIN | {Role.RESIDENT, *SELF_ONLY},
        kwargs_in=lambda w: {"person_id": w.person_a1.pk},
        kwargs_in_for={role: _self(role) for role in SELF_ONLY},
        kwargs_out=lambda w: {"person_id": w.person_b1.pk},
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "api:org_person_update",
        method="PATCH",
        json=True,
        # Staff who may edit, and everyone for themself (the resident is person A1).
        allowed=EDITORS | {Role.RESIDENT, *SELF_ONLY},
        kwargs_in=lambda w: {"person_id": w.person_a1.pk},
        kwargs_in_for={role: _self(role) for role in SELF_ONLY},
        kwargs_out=lambda w: {"person_id": w.person_b1.pk},
        data=lambda w: {"birth_year": 1975, "phone": "13900000009"},
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "api:org_person_reveal",
        method="POST",
        json=True,
        # The street supervisor sees person A1 masked but may not reveal (403).
        allowed=EDITORS | {Role.RESIDENT, *SELF_ONLY},
        kwargs_in=lambda w: {"person_id": w.person_a1.pk},
        kwargs_in_for={role: _self(role) for role in SELF_ONLY},
        kwargs_out=lambda w: {"person_id": w.person_b1.pk},
        ok_status=frozenset({200}),
    ),
    UrlCase("api:org_partners", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase("api:org_party_orgs", allowed=EVERYONE, ok_status=frozenset({200})),
    # Tokens: everyone manages their own, nobody anyone else's.
    UrlCase("api:tokens", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase(
        "api:token_create",
        method="POST",
        json=True,
        allowed=EVERYONE,
        data=lambda w: {"name": "nightly export"},
        ok_status=frozenset({201}),
    ),
    UrlCase(
        "api:token_revoke",
        method="DELETE",
        json=True,
        allowed=EVERYONE,
        kwargs_in=_own_token(Role.RESIDENT),
        kwargs_in_for={role: _own_token(role) for role in ALL_ROLES},
        kwargs_out=_someone_elses_token,
        ok_status=frozenset({204}),
    ),
]
