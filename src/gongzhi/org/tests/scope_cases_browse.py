"""Scope-matrix cases for the organisation browser (org/views_browse.py)."""

from __future__ import annotations

from typing import Any

from gongzhi.core.testing.scope_matrix import EVERYONE, STAFF, UrlCase, World
from gongzhi.org.models import PartyOrg, PartyOrgKind, Role

ADMIN = Role.PLATFORM_ADMIN
REVEALERS = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, ADMIN})
RESIDENT_TOO = frozenset({Role.RESIDENT})


def _branch_in_a1(w: World) -> PartyOrg:
    """A grid Party branch in grid A1, under committee A: the grid worker's in-scope org."""
    if "branch_a1" not in w.extra:
        from gongzhi.org.tests import factories as f

        w.extra["branch_a1"] = f.PartyOrgFactory(
            region=w.grid_a1, parent=w.party_org_a, kind=PartyOrgKind.BRANCH, name="第一网格支部"
        )
    org: PartyOrg = w.extra["branch_a1"]
    return org


def _person_in(w: World) -> dict[str, Any]:
    return {"pk": w.person_a1.pk}


def _person_out(w: World) -> dict[str, Any]:
    return {"pk": w.person_b1.pk}


CASES = [
    UrlCase("org:tree", allowed=STAFF),
    UrlCase(
        "org:region",
        allowed=STAFF,
        kwargs_in=lambda w: {"pk": w.comm_a.pk},
        kwargs_out=lambda w: {"pk": w.comm_b.pk},
        kwargs_in_for={Role.GRID_WORKER: lambda w: {"pk": w.grid_a1.pk}},
    ),
    UrlCase(
        "org:region",
        allowed=STAFF,
        kwargs_in=lambda w: {"pk": w.grid_a1.pk},
        kwargs_out=lambda w: {"pk": w.grid_b1.pk},
    ),
    UrlCase(
        "org:region",
        allowed=STAFF,
        kwargs_in=lambda w: {"pk": w.building_a1.pk},
        kwargs_out=lambda w: {"pk": w.building_b1.pk},
    ),
    UrlCase(
        "org:household",
        allowed=STAFF | RESIDENT_TOO,
        kwargs_in=lambda w: {"pk": w.household_a1.pk},
        kwargs_out=lambda w: {"pk": w.household_b1.pk},
    ),
    UrlCase(
        "org:person", allowed=STAFF | RESIDENT_TOO, kwargs_in=_person_in, kwargs_out=_person_out
    ),
    UrlCase(
        "org:person_reveal",
        allowed=REVEALERS | RESIDENT_TOO,
        kwargs_in=_person_in,
        kwargs_out=_person_out,
        method="POST",
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "org:person_edit",
        allowed=REVEALERS | RESIDENT_TOO,
        kwargs_in=_person_in,
        kwargs_out=_person_out,
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "org:person_edit",
        allowed=REVEALERS | RESIDENT_TOO,
        kwargs_in=_person_in,
        kwargs_out=_person_out,
        method="POST",
        data=lambda w: {"name": "王建国", "phone": "13900000009"},
        ok_status=frozenset({302}),
    ),
    UrlCase(
        "org:act_for_start",
        allowed=REVEALERS,
        kwargs_in=_person_in,
        kwargs_out=_person_out,
        method="POST",
        ok_status=frozenset({302}),
    ),
    UrlCase("org:act_for_stop", allowed=EVERYONE, method="POST", ok_status=frozenset({302})),
    UrlCase("org:party", allowed=STAFF | {Role.PARTY_MEMBER}, ok_status=frozenset({200})),
    UrlCase(
        "org:party_org",
        allowed=STAFF | {Role.PARTY_MEMBER},
        kwargs_in=lambda w: {"pk": w.party_org_a.pk},
        kwargs_out=lambda w: {"pk": w.party_org_b.pk},
        kwargs_in_for={Role.GRID_WORKER: lambda w: {"pk": _branch_in_a1(w).pk}},
        ok_status=frozenset({200}),
    ),
    UrlCase("org:partners", allowed=STAFF | {Role.PARTNER_HANDLER}, ok_status=frozenset({200})),
]
