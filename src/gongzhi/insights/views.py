"""The insights pages: dashboard (with the grid heat map), hotspot drill-down, xlsx export and
the printable monthly report. Read-only: every figure comes from insights.selectors.

Bad parameters (dates, places) re-render as a 400 page with the message; a place outside the
viewer's area is a 404, a viewer without a staff role gets a 403.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import ValidationFailed
from gongzhi.insights import selectors as sel
from gongzhi.insights.export import workbook
from gongzhi.org.views_browse import domain_errors as org_domain_errors

View = Callable[..., HttpResponse]


def domain_errors(view: View) -> View:
    """The project's NotFound -> 404 and PermissionDenied -> 403, plus bad parameters -> 400."""

    @org_domain_errors
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ValidationFailed as exc:
            return render(
                request,
                "insights/bad_request.html",
                {"message": exc.message, "field": exc.field},
                status=400,
            )

    return wrapper


def appeal_url(pk: int) -> str:
    try:
        return reverse("appeals:detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def appeal_rows(appeals: list[Appeal]) -> list[dict[str, Any]]:
    return [
        {
            "number": a.number,
            "title": a.title,
            "category": a.category.name,
            "grid": a.grid.name,
            "state": a.get_state_display(),
            "due_at": a.due_at,
            "escalation_level": a.escalation_level,
            "created_at": a.created_at,
            "url": appeal_url(a.pk),
        }
        for a in appeals
    ]


def _params(request: HttpRequest) -> tuple[sel.Place, sel.Period]:
    place = sel.place_for(request.user, request.GET.get("region") or None)
    period = sel.parse_period(request.GET.get("start") or None, request.GET.get("end") or None)
    return place, period


def _hotspots(place: sel.Place, window: str) -> tuple[Any, list[dict[str, Any]], list[Any]]:
    snapshot = sel.hotspot_snapshot(place, window)
    if snapshot is None:
        return None, [], []
    hotspots = snapshot.payload.get("hotspots", [])
    rows = [
        {
            **h,
            "url": reverse("insights:hotspot", kwargs={"pk": snapshot.pk, "rank": h.get("rank")}),
        }
        for h in hotspots
        if isinstance(h.get("rank"), int)
    ]
    return snapshot, rows, sel.spike_rows(snapshot.payload.get("spikes", []))


@login_required
@domain_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    place, period = _params(request)
    window = sel.parse_window(request.GET.get("window") or None)
    figures = sel.summary(place, period)
    by_category = sel.over_time(place, period, "c")
    by_channel = sel.over_time(place, period, "h")
    cells, shapes = sel.heat(place, period)
    snapshot, hotspots, spikes = _hotspots(place, window)
    charts = {
        "days": by_category.days,
        "category": [{"name": n, "data": v} for n, v in by_category.series],
        "channel": [{"name": n, "data": v} for n, v in by_channel.series],
        "heat": {
            "shapes": shapes,
            "data": [{"name": c.name, "value": c.count} for c in cells],
        },
        "labels": {"appeals": _("Appeals")},
    }
    query = request.GET.copy()
    return render(
        request,
        "insights/dashboard.html",
        {
            "place": place,
            "period": period,
            "window": window,
            "windows": sel.WINDOWS,
            "crumbs": sel.breadcrumbs(request.user, place),
            "children": sel.children(place),
            "figures": figures,
            "league": sel.league(place, period),
            "cells": cells,
            "attention": appeal_rows(sel.attention(request.user, place)),
            "snapshot": snapshot,
            "hotspots": hotspots,
            "spikes": spikes,
            "charts": charts,
            "as_of": sel.as_of(),
            "query": query.urlencode(),
        },
    )


@login_required
@domain_errors
def hotspot(request: HttpRequest, pk: int, rank: int) -> HttpResponse:
    view = sel.hotspot_detail(request.user, pk, rank)
    return render(
        request,
        "insights/hotspot.html",
        {"view": view, "hotspot": view.hotspot, "appeals": appeal_rows(view.appeals)},
    )


@login_required
@domain_errors
def export(request: HttpRequest) -> HttpResponse:
    place, period = _params(request)
    book = workbook(request.user, place, period)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"insights-{place.region.pk}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@domain_errors
def monthly(request: HttpRequest) -> HttpResponse:
    place = sel.place_for(request.user, request.GET.get("region") or None)
    period = sel.parse_month(request.GET.get("month") or None)
    snapshot, hotspots, _spikes = _hotspots(place, "30d")
    return render(
        request,
        "insights/monthly.html",
        {
            "place": place,
            "period": period,
            "month": f"{period.first:%Y-%m}",
            "figures": sel.summary(place, period),
            "league": sel.league(place, period),
            "top_categories": sel.top_categories(place, period),
            "channels": sel.by_channel(place, period),
            "hotspots": hotspots[:10],
            "snapshot": snapshot,
            "as_of": sel.as_of(),
        },
    )
