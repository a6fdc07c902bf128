"""Scope-matrix cases for the resident's appeal pages and the appeal detail page
(appeals/urls_resident.py).

The world gets appeal categories and three appeals on first use: the resident's own appeal in
building A1 (routed to the grid worker of A1, with a photo), an unregistered caller's appeal in
A1 handed to partner unit A, and an appeal in community B (with a photo) for the out-of-scope
calls.
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase, World
from gongzhi.org.models import Role

ADMIN = Role.PLATFORM_ADMIN
ACT_FOR = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, ADMIN})
AREA = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.STREET_SUPERVISOR,
        ADMIN,
    }
)
# Who may do what on the resident's appeal in A1 (routed to the grid worker of A1).
SEES_OWN = AREA | {Role.RESIDENT}
NOTE = frozenset(
    {Role.RESIDENT, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, ADMIN}
)
SIGN_FOR = ACT_FOR
SEES_PARTNERS = AREA | {Role.PARTNER_HANDLER}
# Everyone registered in a community files their own appeals; the matrix's street supervisor
# is registered at the street, in no community.
FILERS = EVERYONE - {Role.STREET_SUPERVISOR}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
MATRIX_PHOTO = "appeals/scope-matrix.png"


def _appeals(w: World) -> dict[str, Any]:
    if "appeals" in w.extra:
        found: dict[str, Any] = w.extra["appeals"]
        return found
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from gongzhi.appeals import config, routing, services
    from gongzhi.appeals.models import AppealPhoto
    from gongzhi.appeals.services_config import install_defaults

    config.reset_config()
    routing._router_cache.clear()
    install_defaults(actor=None, communities=[w.comm_a, w.comm_b])
    own = services.submit_appeal(
        actor=w.users[Role.RESIDENT],
        text="小区门口的路灯坏了好几天，晚上太黑",
        category_code="municipal.light",
        building_id=w.building_a1.pk,
    ).appeal
    partner = services.submit_appeal(
        actor=w.users[Role.COMMUNITY_STAFF],
        channel="phone",
        contact_name="来电的张师傅",
        contact_phone="13800001111",
        text="电梯停在三楼不动了，请物业来看看",
        category_code="municipal.light",
        building_id=w.building_a1.pk,
    ).appeal
    services.transfer_appeal(
        actor=w.users[Role.COMMUNITY_STAFF],
        appeal=partner,
        reason="物业负责",
        to_partner=w.partner_a,
    )
    out = services.submit_appeal(
        actor=None,
        channel="open311",
        within=w.comm_b,
        text="界外：垃圾桶满了没人清",
        category_code="municipal.light",
        building_id=w.building_b1.pk,
    ).appeal
    if not default_storage.exists(MATRIX_PHOTO):
        default_storage.save(MATRIX_PHOTO, ContentFile(PNG))
    photos = {}
    for key, appeal in (("own", own), ("out", out)):
        photos[key] = AppealPhoto.objects.create(
            appeal=appeal,
            image=MATRIX_PHOTO,
            content_type="image/png",
            size=len(PNG),
            width=1,
            height=1,
        )
    w.extra["appeals"] = {"own": own, "partner": partner, "out": out, "photos": photos}
    return w.extra["appeals"]


def _ready(w: World) -> dict[str, Any]:
    _appeals(w)
    return {}


def _own(w: World) -> dict[str, Any]:
    return {"pk": _appeals(w)["own"].pk}


def _partner(w: World) -> dict[str, Any]:
    return {"pk": _appeals(w)["partner"].pk}


def _out(w: World) -> dict[str, Any]:
    return {"pk": _appeals(w)["out"].pk}


def _act(action: str, which: Any) -> Any:
    return lambda w: {**which(w), "action": action}


def _photo_in(w: World) -> dict[str, Any]:
    return {"pk": _appeals(w)["photos"]["own"].pk}


def _photo_out(w: World) -> dict[str, Any]:
    return {"pk": _appeals(w)["photos"]["out"].pk}


def _form(w: World) -> dict[str, Any]:
    return {
        "text": "楼道里的灯不亮了，晚上看不见台阶",
        "urgency": "normal",
        "place": f"b:{w.building_a1.pk}",
    }


CASES = [
    UrlCase("appeals:mine", allowed=EVERYONE, kwargs_in=_ready, ok_status=frozenset({200})),
    # The form offers every grid and building of the person's home community (where they may
    # report a problem): grid A2's name is on it by design, so no grid-level leak check.
    UrlCase(
        "appeals:new",
        allowed=FILERS,
        kwargs_in=_ready,
        ok_status=frozenset({200}),
        leak_check=False,
    ),
    UrlCase(
        "appeals:new",
        allowed=FILERS,
        kwargs_in=_ready,
        method="POST",
        data=_form,
        ok_status=frozenset({302}),
    ),
    UrlCase(
        "appeals:suggest",
        allowed=EVERYONE,
        kwargs_in=_ready,
        method="POST",
        data=lambda w: {"text": "路灯坏了", "place": f"b:{w.building_a1.pk}"},
        ok_status=frozenset({200}),
    ),
    UrlCase("appeals:proxy_new", allowed=ACT_FOR, kwargs_in=_ready, ok_status=frozenset({200})),
    UrlCase(
        "appeals:proxy_new",
        allowed=ACT_FOR,
        kwargs_in=_ready,
        method="POST",
        data=lambda w: {**_form(w), "channel": "desk", "resident_phone": "13900000001"},
        ok_status=frozenset({302}),
    ),
    UrlCase(
        "appeals:detail",
        allowed=SEES_OWN,
        kwargs_in=_own,
        kwargs_out=_out,
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "appeals:detail",
        allowed=SEES_PARTNERS,
        kwargs_in=_partner,
        kwargs_out=_out,
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "appeals:act",
        allowed=NOTE,
        kwargs_in=_act("note", _own),
        kwargs_out=_act("note", _out),
        method="POST",
        data=lambda w: {"text": "补充：在2号门口", "public": "on"},
        ok_status=frozenset({302}),
    ),
    UrlCase(
        "appeals:act",
        allowed=SIGN_FOR,
        kwargs_in=_act("sign_for", _own),
        kwargs_out=_act("sign_for", _out),
        method="POST",
        ok_status=frozenset({302}),
    ),
    UrlCase(
        "appeals:act",
        # Only the partner's handler and community staff act on it; the grid worker only sees.
        allowed=frozenset(
            {Role.PARTNER_HANDLER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, ADMIN}
        ),
        kwargs_in=_act("start", _partner),
        kwargs_out=_act("start", _out),
        method="POST",
        # Submitted, not signed for: whoever may start it is told it is too early (409).
        ok_status=frozenset({409}),
    ),
    UrlCase(
        "appeals:photo",
        allowed=SEES_OWN,
        kwargs_in=_photo_in,
        kwargs_out=_photo_out,
        ok_status=frozenset({200}),
    ),
]
