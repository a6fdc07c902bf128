"""The organisation browser: region tree, households, people (masked), 代办, Party, partners.

Views parse the request, check who may do what and call selectors and services. A selector's
NotFound becomes a 404 and a PermissionDenied a 403 (`domain_errors`): out-of-scope objects
are 404 so that their existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core.errors import DomainError, NotFound, PermissionDenied
from gongzhi.core.validators import normalise_phone
from gongzhi.org import selectors, selectors_browse, services, services_acting
from gongzhi.org.forms import PersonForm, PersonPhoneForm
from gongzhi.org.models import Person, RegionKind
from gongzhi.org.scopes import scope_for

ACTING_ID = "acting_for_person_id"
ACTING_NAME = "acting_for_name"
PAGE_SIZE = 50

View = Callable[..., HttpResponse]


def domain_errors(view: View) -> View:
    """Turn the selectors' and services' NotFound into 404 and PermissionDenied into 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc.message)) from exc

    return wrapper


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("This page is not open to your role."))


def acting_for_id(request: HttpRequest) -> int | None:
    value = request.session.get(ACTING_ID)
    return value if isinstance(value, int) else None


# --- regions -----------------------------------------------------------------------------


@login_required
@domain_errors
def tree(request: HttpRequest) -> HttpResponse:
    require(selectors_browse.can_browse_regions(request.user))
    roots = list(selectors.region_roots(request.user).order_by("path"))
    rows = selectors_browse.region_rows(request.user, roots)
    return render(request, "org/tree.html", {"rows": rows})


@login_required
@domain_errors
def region(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    region = selectors.get_region(actor, pk)
    context: dict[str, Any] = {
        "region": region,
        "crumbs": selectors.region_ancestors(actor, region),
    }
    if region.kind == RegionKind.GRID:
        context["buildings"] = selectors_browse.grid_buildings(actor, region)
    elif region.kind == RegionKind.BUILDING:
        page = Paginator(selectors_browse.building_households(actor, region), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context["page"] = page
        context["households"] = selectors_browse.household_rows(actor, page.object_list)
    else:
        context["children"] = selectors_browse.region_children_rows(actor, region)
    return render(request, "org/region.html", context)


# --- households and people ---------------------------------------------------------------


@login_required
@domain_errors
def household(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    household = selectors.get_household(actor, pk)
    members = [selectors_browse.masked(c) for c in selectors.household_members(actor, household)]
    return render(
        request,
        "org/household.html",
        {
            "household": household,
            "address": selectors_browse.household_address(actor, household),
            "members": members,
            "building_open": selectors_browse.can_browse_regions(actor)
            and scope_for(actor).covers(household.building.path, selectors.ORG_VIEW_ROLES),
        },
    )


def _person_context(
    request: HttpRequest, person: Person, card: selectors.PersonCard
) -> dict[str, Any]:
    actor = request.user
    return {
        "person": person,
        "card": card,
        "tags": card.tags,
        "membership": selectors_browse.person_party_membership(actor, person),
        "household_open": selectors_browse.can_open_household(actor, person),
        "edit_mode": selectors_browse.person_edit_mode(actor, person),
        "can_act_for": selectors_browse.can_act_for(actor, person),
        "acting_here": acting_for_id(request) == person.pk,
    }


@login_required
@domain_errors
def person(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.user, pk)
    card = selectors_browse.masked(selectors.person_card(request.user, person))
    return render(request, "org/person.html", _person_context(request, person, card))


@never_cache
@require_POST
@login_required
@domain_errors
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The unmasked card (audited as person.reveal): a fragment for htmx, else the full page."""
    person = selectors.get_person(request.user, pk)
    data = services.reveal_personal_data(actor=request.user, person=person)
    card = selectors.person_card(request.user, person, unmasked=data)
    if getattr(request, "htmx", False):
        return render(request, "org/_person_card.html", {"card": card, "person": person})
    return render(request, "org/person.html", _person_context(request, person, card))


def _changes(form: PersonPhoneForm, person: Person, tag_values: set[str]) -> dict[str, Any]:
    """Only the fields the user actually changed; empty phone or ID number keeps the value."""
    data = form.cleaned_data
    out: dict[str, Any] = {}
    phone = (data.get("phone") or "").strip()
    if phone and normalise_phone(phone) != person.phone:
        out["phone"] = phone
    if isinstance(form, PersonForm):
        if data["name"].strip() != person.name:
            out["name"] = data["name"]
        id_number = (data.get("id_number") or "").strip().upper()
        if id_number and id_number != person.id_number:
            out["id_number"] = id_number
        for key in ("birth_year", "gender", "relation"):
            if data.get(key) != getattr(person, key):
                out[key] = data.get(key)
        if set(data.get("tags") or []) != tag_values:
            out["tags"] = list(data.get("tags") or [])
    return out


@require_http_methods(["GET", "POST"])
@login_required
@domain_errors
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    person = selectors.get_person(actor, pk)
    mode = selectors_browse.person_edit_mode(actor, person)
    require(mode is not None)
    form_class = PersonForm if mode == "full" else PersonPhoneForm
    tag_values = {t.tag for t in person.tags.all()}
    card = selectors_browse.masked(selectors.person_card(actor, person))
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            changes = _changes(form, person, tag_values)
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("org:person", pk=person.pk)
            on_behalf_of = person if acting_for_id(request) == person.pk else None
            try:
                services.update_person(
                    actor=actor, person=person, on_behalf_of=on_behalf_of, **changes
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, str(exc.message))
            else:
                messages.success(request, _("Saved."))
                return redirect("org:person", pk=person.pk)
    else:
        form = form_class(
            initial={
                "name": person.name,
                "birth_year": person.birth_year,
                "gender": person.gender,
                "relation": person.relation,
                "tags": sorted(tag_values),
            }
        )
    return render(
        request,
        "org/person_edit.html",
        {
            "person": person,
            "card": card,
            "form": form,
            "mode": mode,
            "acting_here": acting_for_id(request) == person.pk,
        },
    )


# --- 代办: acting on behalf of a resident --------------------------------------------------


@require_POST
@login_required
@domain_errors
def act_for_start(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    person = selectors.get_person(actor, pk)
    previous = acting_for_id(request)
    try:
        person = services_acting.begin_acting_for(actor=actor, person=person)
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("org:person", pk=person.pk)
    if previous is not None and previous != person.pk:
        services_acting.end_acting_for(actor=actor, person_id=previous)
    request.session[ACTING_ID] = person.pk
    request.session[ACTING_NAME] = person.name
    messages.info(request, _("You are now acting on behalf of %(name)s.") % {"name": person.name})
    return redirect("org:person", pk=person.pk)


@require_POST
@login_required
def act_for_stop(request: HttpRequest) -> HttpResponse:
    current = acting_for_id(request)
    if current is not None:
        services_acting.end_acting_for(actor=request.user, person_id=current)
        messages.info(request, _("You are no longer acting on behalf of a resident."))
    request.session.pop(ACTING_ID, None)
    request.session.pop(ACTING_NAME, None)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    if current is not None:
        return redirect("org:person", pk=current)
    return HttpResponseRedirect(reverse("web:home"))


# --- Party organisation and partners -----------------------------------------------------


@login_required
@domain_errors
def party(request: HttpRequest) -> HttpResponse:
    require(selectors_browse.can_browse_party(request.user))
    return render(request, "org/party.html", {"nodes": selectors_browse.party_tree(request.user)})


@login_required
@domain_errors
def party_org(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    org = selectors_browse.get_party_org(actor, pk)
    return render(
        request,
        "org/party_org.html",
        {
            "org": org,
            "members": selectors_browse.party_org_members(actor, org),
            "children": selectors_browse.party_org_children(actor, org),
        },
    )


@login_required
@domain_errors
def partners(request: HttpRequest) -> HttpResponse:
    require(selectors_browse.can_browse_partners(request.user))
    return render(
        request, "org/partners.html", {"rows": selectors_browse.partner_rows(request.user)}
    )


urlpatterns = [
    path("", tree, name="tree"),
    path("regions/<int:pk>/", region, name="region"),
    path("households/<int:pk>/", household, name="household"),
    path("people/<int:pk>/", person, name="person"),
    path("people/<int:pk>/reveal/", person_reveal, name="person_reveal"),
    path("people/<int:pk>/edit/", person_edit, name="person_edit"),
    path("people/<int:pk>/act-for/", act_for_start, name="act_for_start"),
    path("act-for/stop/", act_for_stop, name="act_for_stop"),
    path("party/", party, name="party"),
    path("party/<int:pk>/", party_org, name="party_org"),
    path("partners/", partners, name="partners"),
]
