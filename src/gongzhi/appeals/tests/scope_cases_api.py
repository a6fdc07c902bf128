"""Scope cases for the appeals JSON API (see core/testing/scope_matrix.py).

Every object case files a fresh appeal in the matrix world (a street light in grid A1, filed by
the resident, routed to the grid worker; out of scope: one in community B), brought to the
state the action needs. Roles that can see an appeal but never take the action get a 403
(the supervisor, say, on sign-for); roles that cannot see it a 404. The partner handler acts on
an appeal transferred to their unit.
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase, World
from gongzhi.org.models import Role

ADMIN = Role.PLATFORM_ADMIN
COMMUNITY = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, ADMIN})
# Who sees an appeal of grid A1 filed by the resident.
VIEWERS = COMMUNITY | {Role.GRID_WORKER, Role.STREET_SUPERVISOR, Role.RESIDENT}
# Who may act on it as its owner or as community staff (sign for, transfer, ...).
HANDLERS = COMMUNITY | {Role.GRID_WORKER}


def _ready(w: World) -> None:
    if not w.extra.get("appeals_ready"):
        from gongzhi.appeals.config import invalidate_config
        from gongzhi.appeals.services_config import install_defaults

        install_defaults(actor=None, communities=[w.comm_a, w.comm_b])
        invalidate_config()
        w.extra["appeals_ready"] = True


def _file(w: World, *, community_b: bool = False, text: str = "") -> Any:
    from gongzhi.appeals import services

    _ready(w)
    text = text or "小区门口的路灯坏了好几天，晚上太黑"
    if community_b:
        return services.submit_appeal(
            actor=w.users[ADMIN],
            channel="desk",
            resident=w.person_b1,
            text=text,
            category_code="municipal.light",
            building_id=w.building_b1.pk,
        ).appeal
    return services.submit_appeal(
        actor=w.users[Role.RESIDENT],
        text=text,
        category_code="municipal.light",
        building_id=w.building_a1.pk,
    ).appeal


def _to_state(
    w: World, appeal: Any, state: str, *, partner: bool = False, community_b: bool = False
) -> Any:
    """Bring a submitted appeal to `state`; its owner stays the grid worker (or the partner
    handler), who signs for it."""
    from gongzhi.appeals import services

    admin = w.users[ADMIN]
    if partner:
        services.transfer_appeal(
            actor=admin, appeal=appeal, reason="物业负责", to_partner=w.partner_a
        )
    owner_role = Role.PARTNER_HANDLER if partner else Role.GRID_WORKER
    owner = admin if community_b else w.users[owner_role]
    if state in ("signed_for", "replied"):
        services.sign_for_appeal(actor=owner, appeal=appeal)
    if state == "replied":
        services.reply_appeal(actor=admin, appeal=appeal, text="已更换灯泡")
    return appeal


def _appeal(state: str = "submitted", *, partner: bool = False):
    def kwargs(w: World) -> dict[str, Any]:
        return {"appeal_id": _to_state(w, _file(w), state, partner=partner).pk}

    return kwargs


def _outside(state: str = "submitted"):
    def kwargs(w: World) -> dict[str, Any]:
        appeal = _file(w, community_b=True)
        return {"appeal_id": _to_state(w, appeal, state, community_b=True).pk}

    return kwargs


def _for_partner(state: str = "submitted"):
    return {Role.PARTNER_HANDLER: _appeal(state, partner=True)}


def _person(role: str):
    def data(w: World) -> dict[str, Any]:
        person = w.users[role].person
        assert person is not None
        return {"person_id": person.pk}

    return data


def _transfer(w: World) -> dict[str, Any]:
    person = w.users[Role.COMMUNITY_STAFF].person
    assert person is not None
    return {"reason": "转社区处理", "to_person_id": person.pk}


def _duplicate(w: World) -> dict[str, Any]:
    return {"duplicate_ids": [_file(w, text="小区门口路灯坏了，晚上很黑").pk]}


def _submit(w: World) -> dict[str, Any]:
    _ready(w)
    return {
        "text": "楼道里的灯不亮了，老人晚上下楼不方便",
        "category": "municipal.light",
        "building_id": w.building_a1.pk,
    }


def _action(
    name: str,
    allowed: frozenset[str],
    state: str = "submitted",
    data: Any = None,
    *,
    partner: bool = True,
    ok: int | frozenset[int] = 200,
) -> UrlCase:
    return UrlCase(
        f"api:{name}",
        method="POST",
        json=True,
        allowed=allowed | ({Role.PARTNER_HANDLER} if partner else set()),
        kwargs_in=_appeal(state),
        kwargs_in_for=_for_partner(state) if partner else {},
        kwargs_out=_outside(state),
        data=data,
        ok_status=ok if isinstance(ok, frozenset) else frozenset({ok}),
    )


CASES = [
    UrlCase("api:appeals_list", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase("api:appeals_inbox", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase("api:appeal_categories", allowed=EVERYONE, ok_status=frozenset({200})),
    UrlCase("api:appeal_rates", allowed=EVERYONE, ok_status=frozenset({200})),
    # Everyone registered in community A may file there on the api channel.
    UrlCase(
        "api:appeals_submit",
        method="POST",
        json=True,
        allowed=EVERYONE,
        data=_submit,
        ok_status=frozenset({201}),
    ),
    UrlCase(
        "api:appeals_detail",
        allowed=VIEWERS | {Role.PARTNER_HANDLER},
        kwargs_in=_appeal(),
        kwargs_in_for=_for_partner(),
        kwargs_out=_outside(),
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "api:appeals_duplicates",
        allowed=VIEWERS | {Role.PARTNER_HANDLER},
        kwargs_in=_appeal(),
        kwargs_in_for=_for_partner(),
        kwargs_out=_outside(),
        ok_status=frozenset({200}),
    ),
    _action("appeals_sign_for", HANDLERS),
    _action("appeals_start", HANDLERS, "signed_for", lambda w: {"text": "已电话联系"}),
    _action("appeals_reply", HANDLERS, "signed_for", lambda w: {"text": "已处理完毕"}),
    _action(
        "appeals_reject", COMMUNITY, data=lambda w: {"reason": "不属于社区职责"}, partner=False
    ),
    _action(
        "appeals_reopen",
        COMMUNITY | {Role.RESIDENT},
        "replied",
        lambda w: {"reason": "灯还是不亮"},
        partner=False,
    ),
    _action(
        "appeals_rate",
        frozenset({Role.RESIDENT}),
        "replied",
        lambda w: {"rating": "satisfied"},
        partner=False,
    ),
    _action(
        "appeals_follow_up",
        COMMUNITY,
        "replied",
        lambda w: {"rating": "satisfied", "channel": "phone"},
        partner=False,
    ),
    # A partner handler who transfers the appeal away no longer sees it: 204.
    _action("appeals_transfer", HANDLERS, data=_transfer, ok=frozenset({200, 204})),
    _action(
        "appeals_co_handler_add",
        HANDLERS,
        data=_person(Role.COMMUNITY_SECRETARY),
        ok=201,
    ),
    _action("appeals_note_add", HANDLERS, data=lambda w: {"text": "内部备注"}, ok=201),
    _action(
        "appeals_recategorise",
        HANDLERS,
        data=lambda w: {"category": "municipal.road", "reason": "分错了"},
    ),
    _action("appeals_merge", HANDLERS, data=_duplicate, partner=False),
]
