"""Scope-matrix cases for the roles page (org/views_roles.py)."""

from __future__ import annotations

from gongzhi.core.testing.scope_matrix import UrlCase, World
from gongzhi.org.models import Role, RoleAssignment

MANAGERS = frozenset({Role.COMMUNITY_SECRETARY, Role.PLATFORM_ADMIN})


def _assignment(w: World, region_attr: str) -> dict[str, int]:
    key = f"assignment_{region_attr}"
    if key not in w.extra:
        region = getattr(w, region_attr)
        person = w.person_a1 if region_attr == "grid_a1" else w.person_b1
        w.extra[key] = RoleAssignment.objects.create(
            person=person, role=Role.GRID_WORKER, region=region
        )
    return {"pk": w.extra[key].pk}


CASES = [
    UrlCase("org:roles", allowed=MANAGERS),
    UrlCase(
        "org:roles",
        allowed=MANAGERS,
        method="POST",
        data=lambda w: {"person": "13900000001", "role": Role.GRID_WORKER, "region": w.grid_a1.pk},
    ),
    UrlCase(
        "org:role_revoke",
        allowed=MANAGERS,
        method="POST",
        kwargs_in=lambda w: _assignment(w, "grid_a1"),
        kwargs_out=lambda w: _assignment(w, "grid_b1"),
    ),
]
