"""What an Open311 client may read: services (public) and the appeals of its region.

An API key is bound to a region; every request it reads is an appeal whose place lies in that
region (an indexed equality on the appeal's street / community / grid column). Output carries
no personal data: no names, no phone numbers, no household address; phone and ID numbers in
descriptions and results are replaced by placeholders (gongzhi.intel.text.scrub).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.config import CategoryInfo, get_config
from gongzhi.appeals.models import Appeal, Urgency
from gongzhi.appeals.states import OPEN, STATE_LABELS, State
from gongzhi.core.errors import NotFound
from gongzhi.intel.text import scrub
from gongzhi.open311.formats import iso
from gongzhi.open311.models import Open311Client, Open311Request

# The spec's default window and cap for GET requests.
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
LEVEL_FIELDS = ("street_id", "community_id", "grid_id", "building_id")
OPEN_STATES = [s.value for s in State if s in OPEN]
REQUEST_FIELDS = (
    "number",
    "state",
    "text",
    "result",
    "created_at",
    "updated_at",
    "resolve_by",
    "latitude",
    "longitude",
    "category__code",
    "category__name",
    "community__name",
    "grid__name",
    "grid__latitude",
    "grid__longitude",
    "building__name",
    "building__latitude",
    "building__longitude",
    "owner_partner__name",
)
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"


# --- services -----------------------------------------------------------------------------------


def service_categories() -> list[CategoryInfo]:
    """The services: the active leaf categories, in the categories' order."""
    config = get_config()
    leaves = [c for c in config.categories.values() if c.active and c.is_leaf]
    return sorted(leaves, key=lambda c: c.code)


def service_category(code: str) -> CategoryInfo:
    config = get_config()
    info = config.category(code)
    if info is None or not info.is_leaf:
        raise NotFound(_("Unknown service %(code)s.") % {"code": code}, field="service_code")
    return info


def service(info: CategoryInfo) -> dict[str, Any]:
    config = get_config()
    parent = config.categories.get(info.parent_id) if info.parent_id else None
    return {
        "service_code": info.code,
        "service_name": info.name,
        "description": info.name,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(info.keywords),
        "group": parent.name if parent is not None else "",
    }


def service_definition(info: CategoryInfo) -> dict[str, Any]:
    """The attributes every service takes: urgency (a list) and an optional title."""
    return {
        "service_code": info.code,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": gettext("normal unless it is urgent"),
                "order": 1,
                "description": gettext("Urgency"),
                "values": [{"key": v, "name": str(label)} for v, label in Urgency.choices],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": gettext("at most 100 characters"),
                "order": 2,
                "description": gettext("A short title (made from the description if empty)"),
                "values": [],
            },
        ],
    }


# --- requests -----------------------------------------------------------------------------------


def region_q(client: Open311Client) -> Q:
    """The appeals in the client's region, as an equality on the column of its level."""
    path = client.region.path
    ids = [int(p) for p in path.strip("/").split("/") if p]
    if not ids or len(ids) > len(LEVEL_FIELDS):
        return Q(scope_path__startswith=path)
    return Q(**{LEVEL_FIELDS[len(ids) - 1]: ids[-1]})


def _base(client: Open311Client) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(region_q(client))
        .select_related("category", "community", "grid", "building", "owner_partner")
        # Only what a request shows: the regions' shapes are large JSON documents.
        .only(*REQUEST_FIELDS)
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class RequestQuery:
    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def window(
    start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The requested_datetime range: the last 90 days by default; one bound gives the other."""
    if start is not None and end is not None:
        return start, end
    if start is not None:
        return start, start + DEFAULT_WINDOW
    if end is not None:
        return end - DEFAULT_WINDOW, end
    return now - DEFAULT_WINDOW, now


def requests_for(client: Open311Client, query: RequestQuery, *, now: dt.datetime) -> list[Appeal]:
    """GET requests: by ids (which override every other filter), else by service codes,
    statuses and the date window; newest first, at most 1000."""
    qs = _base(client)
    if query.ids:
        qs = qs.filter(number__in=query.ids)
    else:
        start, end = window(query.start, query.end, now)
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        if query.service_codes:
            qs = qs.filter(category__code__in=query.service_codes)
        statuses = set(query.statuses)
        if statuses == {STATUS_OPEN}:
            qs = qs.filter(state__in=OPEN_STATES)
        elif statuses == {STATUS_CLOSED}:
            qs = qs.exclude(state__in=OPEN_STATES)
    return _with_requests(list(qs[:MAX_RESULTS]))


def request_for(client: Open311Client, number: str) -> Appeal:
    appeal = _base(client).filter(number=number).first()
    if appeal is None:
        raise NotFound(
            _("No service request %(id)s in your area.") % {"id": number},
            field="service_request_id",
        )
    return _with_requests([appeal])[0]


def request_by_token(client: Open311Client, token: str) -> Open311Request:
    found = (
        Open311Request.objects.select_related("appeal").filter(client=client, token=token).first()
    )
    if found is None:
        raise NotFound(_("Unknown token %(token)s.") % {"token": token}, field="token")
    return found


def _with_requests(appeals: list[Appeal]) -> list[Appeal]:
    """Attach each appeal's Open311Request (or None) as `_open311` in one query."""
    links = {
        r.appeal_id: r
        for r in Open311Request.objects.filter(appeal_id__in=[a.pk for a in appeals]).only(
            "appeal_id", "media_url", "token"
        )
    }
    for appeal in appeals:
        appeal._open311 = links.get(appeal.pk)  # type: ignore[attr-defined]
    return appeals


def status_of(appeal: Appeal) -> str:
    return STATUS_OPEN if appeal.state in OPEN else STATUS_CLOSED


def _status_notes(appeal: Appeal) -> str:
    label = str(STATE_LABELS[State(appeal.state)])
    result = scrub(appeal.result or "").strip()
    return f"{label}: {result}" if result else label


def _agency(appeal: Appeal) -> str:
    if appeal.owner_partner is not None:
        return appeal.owner_partner.name
    return gettext("Grid worker of %(grid)s") % {"grid": appeal.grid.name}


def _address(appeal: Appeal) -> str:
    parts = [appeal.community.name, appeal.grid.name]
    if appeal.building is not None:
        parts.append(appeal.building.name)
    return " ".join(parts)


def _point(appeal: Appeal) -> tuple[float | None, float | None]:
    if appeal.latitude is not None and appeal.longitude is not None:
        return appeal.latitude, appeal.longitude
    for region in (appeal.building, appeal.grid):
        if region is not None and region.latitude is not None and region.longitude is not None:
            return region.latitude, region.longitude
    return None, None


def service_request(appeal: Appeal) -> dict[str, Any]:
    """One request as the spec lists it, without personal data."""
    is_open = appeal.state in OPEN
    lat, lon = _point(appeal)
    link = getattr(appeal, "_open311", None)
    notice = (
        gettext("To be resolved by %(date)s") % {"date": iso(appeal.resolve_by)} if is_open else ""
    )
    return {
        "service_request_id": appeal.number,
        "status": status_of(appeal),
        "status_notes": _status_notes(appeal),
        "service_name": appeal.category.name,
        "service_code": appeal.category.code,
        "description": scrub(appeal.text),
        "agency_responsible": _agency(appeal),
        "service_notice": notice,
        "requested_datetime": iso(appeal.created_at),
        "updated_datetime": iso(appeal.updated_at),
        "expected_datetime": iso(appeal.resolve_by) if is_open else None,
        "address": _address(appeal),
        "address_id": appeal.building_id or appeal.grid_id,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": (link.media_url or None) if link is not None else None,
    }


def service_requests(appeals: Iterable[Appeal]) -> list[dict[str, Any]]:
    return [service_request(a) for a in appeals]
