"""Scope cases for the Open311 GeoReport v2 endpoints (see core/testing/scope_matrix.py).

Open311 ignores the session: a login grants nothing, the `api_key` parameter is the only
credential. Discovery, services and service definitions are public. The other calls carry a key
bound to community A (every role and anonymous alike); with it, the request list shows community
A's appeals only, and a request of community B answers 404. Without a key (the junk-parameter
tests) they answer 403.
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase, World


def setup(w: World) -> dict[str, Any]:
    """Once per world: the default categories, a key for each community, an appeal in grid A1
    (filed with key A) and one in community B (filed with key B)."""
    if "open311" in w.extra:
        return w.extra["open311"]  # type: ignore[no-any-return]
    from gongzhi.appeals.config import reset_config
    from gongzhi.appeals.services_config import install_defaults
    from gongzhi.open311 import services

    install_defaults(actor=None, communities=[w.comm_a, w.comm_b])
    reset_config()
    key_a = services.create_client(actor=None, name="A", region=w.comm_a)
    key_b = services.create_client(actor=None, name="B", region=w.comm_b)
    filed = {}
    for label, issued, building in (("a", key_a, w.building_a1), ("b", key_b, w.building_b1)):
        filed[label] = services.submit_request(
            client=issued.client,
            service_code="municipal.light",
            description="小区门口的路灯坏了好几天",
            location=services.Location(address_id=building.pk),
        )
    w.extra["open311"] = {
        "key_a": key_a.key,
        "number_a": filed["a"].appeal.number,
        "number_b": filed["b"].appeal.number,
        "token_a": filed["a"].request.token,
        "token_b": filed["b"].request.token,
    }
    return w.extra["open311"]  # type: ignore[no-any-return]


def _none(w: World) -> dict[str, Any]:
    setup(w)  # the categories must exist
    return {}


def _json(w: World) -> dict[str, Any]:
    return {"format": "json"}


def _key(w: World) -> dict[str, Any]:
    return {"api_key": setup(w)["key_a"]}


def _post(w: World) -> dict[str, Any]:
    return {
        "api_key": setup(w)["key_a"],
        "service_code": "municipal.light",
        "description": "楼下路灯不亮，晚上太黑",
        "address_id": str(w.building_a1.pk),
    }


def _request(which: str):
    def kwargs(w: World) -> dict[str, Any]:
        return {"format": "json", "service_request_id": setup(w)[f"number_{which}"]}

    return kwargs


def _token(which: str):
    def kwargs(w: World) -> dict[str, Any]:
        return {"format": "json", "token": setup(w)[f"token_{which}"]}

    return kwargs


CASES = [
    UrlCase("open311:discovery", EVERYONE, kwargs_in=_json, public=True),
    UrlCase("open311:services", EVERYONE, kwargs_in=_json, public=True),
    UrlCase(
        "open311:service_definition",
        EVERYONE,
        kwargs_in=lambda w: {"format": "json", "service_code": "other.general", **_none(w)},
        public=True,
    ),
    UrlCase("open311:requests", EVERYONE, kwargs_in=_json, data=_key, public=True),
    UrlCase(
        "open311:requests",
        EVERYONE,
        kwargs_in=_json,
        method="POST",
        data=_post,
        public=True,
        ok_status=frozenset({201}),
    ),
    UrlCase(
        "open311:request",
        EVERYONE,
        kwargs_in=_request("a"),
        kwargs_out=_request("b"),
        data=_key,
        public=True,
    ),
    UrlCase(
        "open311:token",
        EVERYONE,
        kwargs_in=_token("a"),
        kwargs_out=_token("b"),
        data=_key,
        public=True,
    ),
    # The catch-all answers the spec's 404 error list to everyone.
    UrlCase(
        "open311:not_found",
        EVERYONE,
        kwargs_in=lambda w: {"rest": "nothing-here.json"},
        public=True,
        ok_status=frozenset({404}),
    ),
]
