"""The staff side of appeals: the inbox, the community and street overviews, the league table
of the three rates (and its xlsx export), and everyone's in-app notifications.

Views parse the request and call selectors (reads, scoped there) and services (writes). A
selector's NotFound becomes a 404, a PermissionDenied a 403. Nothing here filters by scope.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.appeals import rates as rates_mod
from gongzhi.appeals import selectors
from gongzhi.appeals.config import get_config
from gongzhi.appeals.models import OPEN_STATES
from gongzhi.appeals.services_notifications import mark_notifications_read
from gongzhi.appeals.states import STATE_LABELS, State
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import ValidationFailed
from gongzhi.org.models import RegionKind
from gongzhi.org.views_browse import domain_errors, require

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        return None
    return int(value)


# --- the inbox ----------------------------------------------------------------------------------


@require_GET
@login_required
@domain_errors
def inbox(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(selectors.has_inbox(actor))
    params = request.GET
    mine = params.get("mine") == "1"
    state = params.get("state", "")
    state = state if state in OPEN_STATES else ""
    categories = sorted(
        (c for c in get_config().categories.values() if c.active and c.is_leaf),
        key=lambda c: c.code,
    )
    category_id = _int(params.get("category"))
    if category_id is not None and category_id not in {c.id for c in categories}:
        category_id = None
    overdue = params.get("overdue") == "1"
    after = selectors.decode_cursor(params.get("after", ""))
    page = selectors.inbox_page(
        actor,
        mine=mine,
        state=state,
        category_id=category_id,
        overdue_only=overdue,
        after=after,
        limit=PAGE_SIZE,
    )
    filters: dict[str, str] = {}
    if mine:
        filters["mine"] = "1"
    if state:
        filters["state"] = state
    if category_id is not None:
        filters["category"] = str(category_id)
    if overdue:
        filters["overdue"] = "1"
    return render(
        request,
        "appeals/work/inbox.html",
        {
            "page": page,
            "mine": mine,
            "state": state,
            "category_id": category_id,
            "overdue": overdue,
            "paged": after is not None,
            "states": [(s, STATE_LABELS[State(s)]) for s in OPEN_STATES],
            "categories": categories,
            "first_query": urlencode(filters),
            "next_query": urlencode({**filters, "after": page.next_cursor})
            if page.next_cursor
            else "",
        },
    )


# --- overviews ----------------------------------------------------------------------------------


def _period(request: HttpRequest) -> rates_mod.Period:
    period, error = rates_mod.period_from(request.GET)
    if error is not None:
        messages.error(request, str(error.message))
    return period


def _period_context(period: rates_mod.Period) -> dict[str, Any]:
    return {
        "period": period,
        "presets": list(rates_mod.PRESETS.items()),
        "today": timezone.now().astimezone(SHANGHAI).date(),
    }


def _overview(request: HttpRequest, pk: int, kinds: tuple[str, ...], template: str) -> HttpResponse:
    actor = request.user
    require(any(selectors.can_see_overview(actor, k) for k in kinds))
    region = selectors.overview_region(actor, pk, kinds)
    period = _period(request)
    data = selectors.overview(actor, region, start=period.start, end=period.end)
    return render(request, template, {"ov": data, **_period_context(period)})


@require_GET
@login_required
@domain_errors
def community(request: HttpRequest, pk: int) -> HttpResponse:
    return _overview(
        request,
        pk,
        (RegionKind.COMMUNITY, RegionKind.VILLAGE),
        "appeals/work/community.html",
    )


@require_GET
@login_required
@domain_errors
def street(request: HttpRequest, pk: int) -> HttpResponse:
    return _overview(request, pk, (RegionKind.STREET,), "appeals/work/street.html")


# --- the league table ---------------------------------------------------------------------------


def _ranking_args(
    request: HttpRequest, *, report: bool
) -> tuple[str, rates_mod.Period, dict[str, float], ValidationFailed | None]:
    actor = request.user
    require(selectors.can_see_ranking(actor))
    params: Mapping[str, str] = request.GET
    level = params.get("level", "")
    if level not in selectors.RANK_LEVELS:
        supervisor = selectors.can_see_overview(actor, RegionKind.STREET)
        level = "community" if supervisor else "grid"
    period, period_error = rates_mod.period_from(params)
    if period_error is not None and report:
        messages.error(request, str(period_error.message))
    try:
        weights = rates_mod.weights_from(params)
        weight_error = None
    except ValidationFailed as error:
        weights, weight_error = rates_mod.weights(), error
        if report:
            messages.error(
                request,
                _("%(problem)s The default weights are used instead.") % {"problem": error.message},
            )
    return level, period, weights, weight_error or period_error


@require_GET
@login_required
@domain_errors
def ranking(request: HttpRequest) -> HttpResponse:
    level, period, weights, error = _ranking_args(request, report=True)
    rows = selectors.ranking(
        request.user, level, start=period.start, end=period.end, weights_=weights
    )
    total = sum(weights.values())
    export_query = request.GET.copy()
    return render(
        request,
        "appeals/work/ranking.html",
        {
            "rows": rows,
            "level": level,
            "levels": [(k, label) for k, (_col, label) in selectors.RANK_LEVELS.items()],
            "level_label": selectors.RANK_LEVELS[level][1],
            "weights": [
                (name, rates_mod.WEIGHT_LABELS[name], value, value / total if total else 0)
                for name, value in weights.items()
            ],
            "error_field": error.field if error is not None else "",
            "export_query": export_query.urlencode(),
            **_period_context(period),
        },
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
@domain_errors
def ranking_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    level, period, weights, error = _ranking_args(request, report=False)
    if error is not None:
        return HttpResponseBadRequest(str(error.message), content_type="text/plain; charset=utf-8")
    rows = selectors.ranking(
        request.user, level, start=period.start, end=period.end, weights_=weights
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Three rates"))
    sheet.append(
        [
            _("From"),
            period.first.isoformat(),
            _("To"),
            period.last.isoformat(),
            *(f"{rates_mod.WEIGHT_LABELS[k]}: {v:g}" for k, v in weights.items()),
        ]
    )
    sheet.append(
        [
            _("Rank"),
            str(selectors.RANK_LEVELS[level][1]),
            _("Within"),
            _("Appeals"),
            _("Signed in time"),
            _("Due for signing"),
            _("Response rate"),
            _("Replied in time"),
            _("Due for resolution"),
            _("Resolution rate"),
            _("Satisfied or basically satisfied"),
            _("Rated"),
            _("Satisfaction rate"),
            _("Composite score"),
        ]
    )

    def ratio(value: float | None) -> float | None:
        return round(value, 4) if value is not None else None

    for row in rows:
        r = row.rates
        sheet.append(
            [
                row.rank,
                _safe(row.name),
                _safe(row.parent),
                r.appeals,
                r.signed_in_time,
                r.due_sign,
                ratio(r.response),
                r.resolved_in_time,
                r.due_resolve,
                ratio(r.resolution),
                r.satisfied + r.basically,
                r.rated,
                ratio(r.satisfaction),
                ratio(r.composite),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = f"rates-{level}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _safe(text: str) -> str:
    """No cell may start a formula (CSV/xlsx injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


# --- notifications ------------------------------------------------------------------------------


@require_GET
@login_required
@domain_errors
def notifications(request: HttpRequest) -> HttpResponse:
    items = selectors.notifications_for(request.user, limit=100)
    return render(
        request,
        "appeals/work/notifications.html",
        {"items": items, "unread": sum(1 for n in items if n.read_at is None)},
    )


@require_POST
@login_required
@domain_errors
def notifications_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("pk", "")
    ids: list[int] | None = None
    if raw:
        pk = _int(raw)
        if pk is None:
            messages.error(request, _("No such notification."))
            return redirect("appeals:notifications")
        ids = [pk]
    try:
        changed = mark_notifications_read(actor=request.user, ids=ids)
    except ValidationFailed as error:
        messages.error(request, str(error.message))
        return redirect("appeals:notifications")
    if ids is None and changed:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("appeals:notifications")
