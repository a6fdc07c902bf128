"""Micro-wish pages: the wall, posting (for oneself or, 代办, for a resident), my wishes, a wish's
page with its actions, and the thanks wall.

Views parse the request and call selectors and services. Out-of-scope wishes are 404 (their
existence is not revealed); an action someone may never take is 403; bad input or a lost race
re-renders the page with the message (400 or 409).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.errors import Conflict, DomainError, ValidationFailed
from gongzhi.org.models import Person
from gongzhi.org.scopes import ACT_FOR_ROLES
from gongzhi.org.views_browse import acting_for_id, domain_errors, require
from gongzhi.wishes import selectors, services, states
from gongzhi.wishes.models import DESCRIPTION_MAX, TEXT_MAX, TITLE_MAX, Category, Wish

PAGE_SIZE = 20
ACTIONS = ("claim", "release", "fulfil", "confirm", "withdraw", "contact")


class WishForm(forms.Form):
    resident = forms.CharField(
        label=gettext_lazy("For which resident"),
        max_length=50,
        required=False,
        help_text=gettext_lazy(
            "Mobile number, ID number or full name of a resident in your area. "
            "Leave empty to post a wish of your own."
        ),
    )
    title = forms.CharField(
        label=gettext_lazy("The wish"),
        max_length=TITLE_MAX,
        help_text=gettext_lazy("One short sentence, e.g. “Someone to read with my grandson”."),
    )
    description = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Shown on the wall to Party members of your community. "
            "Do not write phone numbers or addresses here."
        ),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Kind of help"),
        required=False,
        choices=[("", gettext_lazy("(not sure)")), *Category.choices],
    )

    def __init__(self, *args: Any, staff: bool, resident_self: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["resident"]
        elif not resident_self:
            self.fields["resident"].required = True
            self.fields["resident"].help_text = gettext_lazy(
                "Mobile number, ID number or full name of a resident in your area."
            )


def _can_post(request: HttpRequest) -> tuple[bool, bool]:
    """(may post for themself, may post for a resident)."""
    v = selectors.viewer(request.user)
    return v.scope.household_id is not None, v.scope.has_any(ACT_FOR_ROLES)


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@domain_errors
@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    page = _page(request, selectors.wall(request.user, category=category))
    cards = [selectors.card(request.user, w) for w in page.object_list]
    own, proxy = _can_post(request)
    v = selectors.viewer(request.user)
    return render(
        request,
        "wishes/wall.html",
        {
            "page": page,
            "cards": cards,
            "category": category,
            "categories": Category.choices,
            "query": f"category={category}" if category else "",
            "can_post": own or proxy,
            "is_volunteer": v.is_volunteer,
            "has_wall": bool(v.wall_communities) or v.scope.has_any(selectors.VIEW_ROLES),
        },
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    own, proxy = _can_post(request)
    require(own or proxy)
    initial: dict[str, str] = {}
    acting = acting_for_id(request)
    if proxy and acting is not None:
        person = Person.objects.filter(pk=acting).only("phone", "name").first()
        if person is not None:
            initial["resident"] = person.phone or person.name
    form = WishForm(request.POST or None, initial=initial, staff=proxy, resident_self=own)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wisher = None
            if proxy and data.get("resident"):
                try:
                    wisher = selectors.find_resident(request.user, data["resident"])
                except DomainError as exc:
                    raise ValidationFailed(exc.message, field="resident") from exc
            wish = services.post_wish(
                actor=request.user,
                title=data["title"],
                description=data["description"],
                category=data["category"],
                wisher=wisher,
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            if wish.by_proxy:
                messages.success(
                    request,
                    _("The wish of %(name)s is on the wall.") % {"name": wish.wisher.name},
                )
            else:
                messages.success(request, _("Your wish is on the wall."))
            return redirect("wishes:detail", pk=wish.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "wishes/new.html", {"form": form, "proxy": proxy, "own": own}, status=status
    )


@login_required
@domain_errors
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    own = [selectors.card(request.user, w) for w in selectors.mine(request.user)[:100]]
    claimed = [selectors.card(request.user, w) for w in selectors.claimed_by_me(request.user)[:100]]
    own_post, _proxy = _can_post(request)
    return render(
        request,
        "wishes/mine.html",
        {"own": own, "claimed": claimed, "can_post": own_post},
    )


def _detail(
    request: HttpRequest,
    wish: Wish,
    *,
    error: str = "",
    error_field: str = "",
    contact: services.Contact | None = None,
    status: int = 200,
    text: str = "",
) -> HttpResponse:
    v = selectors.viewer(request.user)
    actors = v.actors_for(wish)
    can = states.allowed(wish.state, actors)
    can_contact = (states.Actor.CLAIMER in actors and wish.state == states.State.CLAIMED) or (
        states.Actor.STAFF in actors
    )
    return render(
        request,
        "wishes/detail.html",
        {
            "wish": wish,
            "card": selectors.card(request.user, wish),
            "events": list(selectors.timeline(wish)),
            "can": can,
            "can_contact": can_contact and contact is None,
            "contact": contact,
            "error": error,
            "error_field": error_field,
            "text": text,
            "text_max": TEXT_MAX,
            "show_claimer": states.Actor.VOLUNTEER not in actors or wish.state != "posted",
        },
        status=status,
    )


@login_required
@domain_errors
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.get_wish(request.user, pk))


@login_required
@domain_errors
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    wish = selectors.get_wish(request.user, pk)
    action = request.POST.get("action", "")
    text = request.POST.get("text", "")[: TEXT_MAX + 1]
    user = request.user
    try:
        if action == "claim":
            services.claim_wish(actor=user, wish=wish.pk)
            messages.success(request, _("You claimed this wish. Thank you!"))
        elif action == "release":
            services.release_wish(actor=user, wish=wish.pk, reason=text)
            messages.success(request, _("The wish is back on the wall."))
        elif action == "fulfil":
            services.fulfil_wish(actor=user, wish=wish.pk, note=text)
            messages.success(
                request, _("Marked as fulfilled; the wisher will be asked to confirm.")
            )
        elif action == "confirm":
            services.confirm_wish(actor=user, wish=wish.pk, thanks=text)
            messages.success(request, _("Confirmed. Thank you for saying thanks!"))
        elif action == "withdraw":
            services.withdraw_wish(actor=user, wish=wish.pk, reason=text)
            messages.success(request, _("The wish was withdrawn."))
        elif action == "contact":
            contact = services.reveal_wisher_contact(actor=user, wish=wish.pk)
            return _detail(request, wish, contact=contact)
        else:
            raise ValidationFailed(_("Unknown action."), field="action")
    except (ValidationFailed, Conflict) as exc:
        wish = selectors.get_wish(user, wish.pk) if _still_visible(user, wish.pk) else wish
        return _detail(
            request,
            wish,
            error=str(exc.message),
            error_field=exc.field or "",
            status=exc.status_code,
            text=text,
        )
    if selectors.wishes_visible(user).filter(pk=wish.pk).exists():
        return redirect("wishes:detail", pk=wish.pk)
    return redirect("wishes:mine")


def _still_visible(user: Any, pk: int) -> bool:
    return selectors.wishes_visible(user).filter(pk=pk).exists()


@login_required
@domain_errors
@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.thanks(request.user))
    cards = [selectors.thanks_card(w) for w in page.object_list]
    return render(request, "wishes/thanks.html", {"page": page, "cards": cards})


urlpatterns = [
    path("", wall, name="wall"),
    path("new/", new, name="new"),
    path("mine/", mine, name="mine"),
    path("thanks/", thanks, name="thanks"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/act/", act, name="act"),
]
