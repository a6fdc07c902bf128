"""The resident's appeal pages: my appeals, the form (with its live category and duplicate
hint), and 代办 entry by staff on a resident's behalf.

Views parse the request and call selectors and services; a service's ValidationFailed comes
back onto the form under the field it names, its NotFound is a 404 and PermissionDenied a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gongzhi.appeals import selectors, selectors_detail, services
from gongzhi.appeals.config import get_config
from gongzhi.appeals.forms import AppealForm, ProxyAppealForm
from gongzhi.appeals.models import Channel
from gongzhi.appeals.routing import suggest as route_suggest
from gongzhi.core.errors import DomainError, NotFound, PermissionDenied
from gongzhi.org.models import Person
from gongzhi.org.scopes import ACT_FOR_ROLES, scope_for
from gongzhi.org.views_browse import acting_for_id

PAGE_SIZE = 20

# The field a service error names -> the form field it belongs to.
FIELD_OF = {
    "text": "text",
    "title": "title",
    "category": "category",
    "urgency": "urgency",
    "location": "place",
    "building": "place",
    "grid": "place",
    "photos": "photos",
    "channel": "channel",
    "resident": "resident_phone",
    "contact_name": "contact_name",
    "contact_phone": "contact_phone",
}


def _add_error(form: AppealForm, exc: DomainError) -> None:
    field = FIELD_OF.get(exc.field or "")
    form.add_error(field if field in form.fields else None, str(exc.message))


def _require(allowed: bool) -> None:
    if not allowed:
        raise DjangoPermissionDenied(_("This page is not open to your role."))


# --- my appeals ---------------------------------------------------------------------------------


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    actor = request.user
    page = Paginator(selectors.appeals_of_resident(actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.rows_for(actor, page.object_list)
    return render(request, "appeals/mine.html", {"page": page, "rows": rows})


# --- the resident's form ------------------------------------------------------------------------


def _may_file(actor: Any) -> bool:
    scope = scope_for(actor)
    return scope.is_admin or bool(selectors_detail.home_community_path(scope))


def _resident_form(request: HttpRequest, data: Any = None, files: Any = None) -> AppealForm:
    actor = request.user
    return AppealForm(
        data,
        files,
        places=selectors_detail.resident_places(actor),
        categories=selectors_detail.category_groups(),
        initial={"place": selectors_detail.resident_default_place(actor)},
    )


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


@require_http_methods(["GET", "POST"])
@login_required
def new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not _may_file(actor):
        raise DjangoPermissionDenied(_("Your login is not registered in a community."))
    if request.method != "POST":
        return render(request, "appeals/new.html", {"form": _resident_form(request)})
    form = _resident_form(request, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        building_id, grid_id = selectors_detail.parse_place(data["place"])
        try:
            submitted = services.submit_appeal(
                actor=actor,
                channel=Channel.WEB,
                text=data["text"],
                title=data["title"],
                category_code=data["category"] or None,
                urgency=data["urgency"],
                building_id=building_id,
                grid_id=grid_id,
                latitude=_float(data.get("latitude")),
                longitude=_float(data.get("longitude")),
                anonymous=data["anonymous"],
                photos=data["photos"],
            )
        except (NotFound, PermissionDenied) as exc:
            form.add_error(None, str(exc.message))
        except DomainError as exc:
            _add_error(form, exc)
        else:
            appeal = submitted.appeal
            messages.success(
                request,
                _("Your appeal %(number)s has been filed. You can follow it here.")
                % {"number": appeal.number},
            )
            return redirect("appeals:detail", pk=appeal.pk)
    return render(request, "appeals/new.html", {"form": form}, status=200)


@require_POST
@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: the suggested category for the text typed so far, and similar open appeals of
    the same grid that the actor may see."""
    actor = request.user
    text = f"{request.POST.get('title', '')} {request.POST.get('text', '')}".strip()[:2000]
    place = request.POST.get("place", "")[:24]
    context: dict[str, Any] = {"text": text, "suggestion": None, "duplicates": []}
    if len(text) >= 2:
        suggestion, category = route_suggest(get_config(), text)
        if category is not None:
            context["suggestion"] = suggestion
            context["suggested_name"] = category.name
            context["suggested_code"] = category.code
        grid_id = selectors_detail.grid_of_place(place) or selectors_detail.grid_of_place(
            selectors_detail.resident_default_place(actor)
        )
        if grid_id is not None:
            context["duplicates"] = selectors.duplicates_for_text(actor, text=text, grid_id=grid_id)
        # Pre-select the suggestion unless the person chose a category of their own.
        chosen = request.POST.get("category", "")
        previous = request.POST.get("suggested", "")
        if category is not None and (not chosen or chosen == previous):
            context["preselect"] = AppealForm(
                initial={"category": category.code},
                places=[],
                categories=selectors_detail.category_groups(),
            )["category"]
    return render(request, "appeals/_suggest.html", context)


# --- 代办: staff enter an appeal for a resident ---------------------------------------------------


def _proxy_form(request: HttpRequest, data: Any = None, files: Any = None) -> ProxyAppealForm:
    actor = request.user
    initial: dict[str, Any] = {}
    acting = acting_for_id(request)
    if acting is not None:
        initial["resident"] = acting
    return ProxyAppealForm(
        data,
        files,
        places=selectors_detail.staff_places(actor),
        categories=selectors_detail.category_groups(),
        initial=initial,
    )


def _acting_person(request: HttpRequest) -> Person | None:
    acting = acting_for_id(request)
    if acting is None:
        return None
    found = selectors_detail.find_resident_by_pk(request.user, acting)
    return found


def _pick_resident(
    request: HttpRequest, form: ProxyAppealForm
) -> tuple[Person | None, list[Any], bool]:
    """(resident, the candidates to choose from, ok). Looks the resident up by phone or name
    within the staff member's area; several matches are offered as a choice."""
    actor = request.user
    data = form.cleaned_data
    phone, name = data.get("resident_phone", ""), data.get("resident_name", "")
    chosen = data.get("resident")
    if not phone and not name:
        if chosen:
            person = selectors_detail.find_resident_by_pk(actor, chosen)
            if person is None:
                form.add_error("resident_phone", _("No such resident in your area."))
                return None, [], False
            return person, [], True
        return None, [], True  # an unregistered caller: the service wants contact_name
    matches = selectors_detail.find_residents(actor, phone=phone, name=name)
    if not matches:
        form.add_error(
            "resident_phone", _("No resident with this phone number or name in your area.")
        )
        return None, [], False
    if len(matches) == 1:
        return matches[0], [], True
    for person in matches:
        if person.pk == chosen:
            return person, [], True
    form.add_error("resident_phone", _("Several residents match: choose one below."))
    return None, [selectors_detail.resident_match(p) for p in matches], False


@require_http_methods(["GET", "POST"])
@login_required
def proxy_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    _require(scope_for(actor).has_any(ACT_FOR_ROLES))
    acting = _acting_person(request)
    if request.method != "POST":
        return render(
            request,
            "appeals/proxy_new.html",
            {"form": _proxy_form(request), "acting": acting, "candidates": []},
        )
    form = _proxy_form(request, request.POST, request.FILES)
    candidates: list[Any] = []
    if form.is_valid():
        resident, candidates, ok = _pick_resident(request, form)
        if ok:
            data = form.cleaned_data
            building_id, grid_id = selectors_detail.parse_place(data["place"])
            try:
                submitted = services.submit_appeal(
                    actor=actor,
                    channel=data["channel"],
                    resident=resident,
                    contact_name=data["contact_name"] if resident is None else "",
                    contact_phone=data["contact_phone"],
                    text=data["text"],
                    title=data["title"],
                    category_code=data["category"] or None,
                    urgency=data["urgency"],
                    building_id=building_id,
                    grid_id=grid_id,
                    latitude=_float(data.get("latitude")),
                    longitude=_float(data.get("longitude")),
                    anonymous=data["anonymous"],
                    photos=data["photos"],
                )
            except NotFound as exc:
                form.add_error(None, str(exc.message))
            except PermissionDenied as exc:
                form.add_error("resident_phone", str(exc.message))
            except DomainError as exc:
                _add_error(form, exc)
            else:
                appeal = submitted.appeal
                messages.success(
                    request,
                    _("Appeal %(number)s has been filed on the resident's behalf.")
                    % {"number": appeal.number},
                )
                return redirect("appeals:detail", pk=appeal.pk)
    return render(
        request,
        "appeals/proxy_new.html",
        {"form": form, "acting": acting, "candidates": candidates},
    )
