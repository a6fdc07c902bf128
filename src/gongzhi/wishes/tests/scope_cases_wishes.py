"""Scope-matrix cases for the micro-wish pages (wishes/views.py).

In the matrix world the resident (王建国, building A1) is the wisher of the in-scope wish, the
Party member belongs to community A's committee, and a wish of community B's resident is posted
for the out-of-scope calls (and, before every wall and thanks page, so that a leak would show).
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase, World
from gongzhi.org.models import Role
from gongzhi.wishes.models import Wish

ADMIN = Role.PLATFORM_ADMIN
# Who may post: a resident for themself; grid worker, community staff and secretary (代办).
POSTERS = frozenset(
    {Role.RESIDENT, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, ADMIN}
)
# Who may open a wish of grid A1: its wisher, staff over it, Party members of community A.
OPENERS = POSTERS | {Role.STREET_SUPERVISOR, Role.PARTY_MEMBER}
WISHER_OR_STAFF = POSTERS


def _wish(w: World, key: str) -> Wish:
    from gongzhi.wishes import services

    if key not in w.extra:
        person = w.person_a1 if key == "wish_in" else w.person_b1
        user = w.users[Role.PLATFORM_ADMIN]
        w.extra[key] = services.post_wish(
            actor=user, wisher=person, title=f"心愿-{person.name}", category="repair"
        )
    wish: Wish = w.extra[key]
    return wish


def _in(w: World) -> dict[str, Any]:
    return {"pk": _wish(w, "wish_in").pk}


def _out(w: World) -> dict[str, Any]:
    return {"pk": _wish(w, "wish_out").pk}


def _with_b_wish(w: World) -> dict[str, Any]:
    """No URL kwargs; posts community B's wish (and a confirmed one) so a leak would show."""
    from gongzhi.wishes import services

    out = _wish(w, "wish_out")
    if "b_done" not in w.extra:
        from gongzhi.org.models import PartyMember

        pm_b = w.extra.get("pm_b_user")
        if pm_b is None:
            from gongzhi.org.models import RoleAssignment
            from gongzhi.org.tests import factories as f

            person = f.PersonFactory.create(household=w.household_b1, name="界外党员")
            PartyMember.objects.create(person=person, party_org=w.party_org_b)
            RoleAssignment.objects.create(person=person, role=Role.PARTY_MEMBER, region=w.comm_b)
            pm_b = f.UserFactory.create(person=person)
        done = services.post_wish(
            actor=w.users[Role.PLATFORM_ADMIN], wisher=w.person_b1, title="界外已实现"
        )
        services.claim_wish(actor=pm_b, wish=done)
        services.fulfil_wish(actor=pm_b, wish=done, note="界外")
        services.confirm_wish(actor=w.users[Role.PLATFORM_ADMIN], wish=done, thanks="界外感谢")
        w.extra["b_done"] = done
    assert out.pk
    return {}


CASES = [
    UrlCase("wishes:wall", allowed=EVERYONE, kwargs_in=_with_b_wish),
    UrlCase("wishes:thanks", allowed=EVERYONE, kwargs_in=_with_b_wish),
    UrlCase("wishes:mine", allowed=EVERYONE, kwargs_in=_with_b_wish),
    UrlCase("wishes:new", allowed=POSTERS),
    UrlCase(
        "wishes:new",
        allowed=POSTERS,
        method="POST",
        # Residents post for themselves (the resident field is only for staff, who need it).
        data=lambda w: {"resident": "13900000001", "title": "想请人帮忙换灯泡"},
        ok_status=frozenset({302}),
    ),
    UrlCase("wishes:detail", allowed=OPENERS, kwargs_in=_in, kwargs_out=_out),
    UrlCase(
        "wishes:act",
        allowed=frozenset({Role.PARTY_MEMBER}),
        method="POST",
        kwargs_in=_in,
        kwargs_out=_out,
        data=lambda w: {"action": "claim"},
        ok_status=frozenset({302}),
    ),
    UrlCase(
        "wishes:act",
        allowed=WISHER_OR_STAFF,
        method="POST",
        kwargs_in=_in,
        kwargs_out=_out,
        data=lambda w: {"action": "withdraw", "text": "不需要了"},
        ok_status=frozenset({302}),
    ),
]
