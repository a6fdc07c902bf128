"""One appeal: its page (state, owner, deadlines, photos, timeline) with the actions the actor
may take now, the actions themselves (one view dispatching to the services), and its photos.

Which buttons show is decided from the state table (states.allowed over the actor's
capacities, access.relation) and the service's own extra rules, so no button is offered that
the service would refuse. A refused action re-renders the page with the message (400/409),
or answers htmx with the message alone; an action the actor's capacities never allow is 403;
an appeal they may not see is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from gongzhi.appeals import selectors, selectors_detail, services
from gongzhi.appeals.forms import (
    FollowUpForm,
    MergeForm,
    NoteForm,
    PhotosForm,
    RateForm,
    ReasonForm,
    RecategoriseForm,
    TargetForm,
    TextForm,
)
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.photos import MAX_PHOTOS
from gongzhi.appeals.states import ACTIONS, TRANSITIONS, Actor, State
from gongzhi.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.org.models import PartnerUnit, Person
from gongzhi.org.views_browse import acting_for_id

# URL action -> the entries of the state table it fires (any of them), None: special rule.
ACTION_ENTRIES: dict[str, tuple[str, ...] | None] = {
    "sign_for": ("sign_for",),
    "start": ("start",),
    "reply": ("reply",),
    "reject": ("reject",),
    "reopen": ("reopen",),
    "rate": None,
    "follow_up": ("follow_up",),
    "transfer": ("transfer",),
    "co_handler": ("add_co_handler",),
    "note": ("note_internal", "note_public"),
    "recategorise": ("recategorise",),
    "merge": ("merge",),
    "reveal_contact": None,
    "photos": None,
}


def _detail(request: HttpRequest, pk: int) -> selectors.AppealDetail:
    try:
        return selectors.appeal_detail(request.user, pk, on_behalf_of_id=acting_for_id(request))
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _buttons(detail: selectors.AppealDetail, extras: selectors_detail.DetailExtras) -> set[str]:
    """The URL actions to offer: what the state table allows now, minus what the services
    would refuse for their own reasons."""
    appeal = detail.appeal
    caps = detail.relation.capacities
    can = set(detail.actions)
    simple = ("sign_for", "start", "reply", "reject", "merge")
    out: set[str] = {name for name in simple if name in can}
    if "reopen" in can and appeal.reopened_count < services.MAX_REOPENS:
        out.add("reopen")
    if "confirm" in can and Actor.RESIDENT in caps:
        out.add("rate")
    if "follow_up" in can and not (appeal.state == State.CLOSED and appeal.rating):
        out.add("follow_up")
    if "transfer" in can and extras.transfer_targets:
        out.add("transfer")
    if "add_co_handler" in can and extras.co_handler_targets:
        out.add("co_handler")
    if "note_internal" in can or "note_public" in can:
        out.add("note")
    if "recategorise" in can:
        out.add("recategorise")
    if extras.can_reveal:
        out.add("reveal_contact")
    if extras.can_add_photos and len(extras.photos) < MAX_PHOTOS:
        out.add("photos")
    return out


def _page(
    request: HttpRequest,
    pk: int,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    revealed: dict[str, str] | None = None,
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    detail = _detail(request, pk)
    extras = selectors_detail.detail_extras(request.user, detail)
    buttons = _buttons(detail, extras)
    caps = detail.relation.capacities
    appeal = detail.appeal
    forms = forms or {}
    context: dict[str, Any] = {
        "detail": detail,
        "appeal": appeal,
        "row": detail.row,
        "extras": extras,
        "buttons": buttons,
        "errors": errors or {},
        "revealed": revealed,
        "is_staff_view": detail.relation.is_area_staff
        or (Actor.OWNER in caps and not detail.relation.is_partner),
        "note_internal": "note_internal" in detail.actions,
        "categories": selectors_detail.category_groups() if "recategorise" in buttons else [],
        "max_photos": MAX_PHOTOS,
        "reply_form": forms.get("reply") or TextForm(),
        "start_form": forms.get("start") or TextForm(),
        "reason_form": forms.get("reason") or ReasonForm(),
        "rate_form": forms.get("rate") or RateForm(),
        "follow_up_form": forms.get("follow_up") or FollowUpForm(),
        "note_form": forms.get("note") or NoteForm(),
        "photos_form": PhotosForm(),
    }
    return render(request, "appeals/detail.html", context, status=status)


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


# --- actions ------------------------------------------------------------------------------------


def _acting_for(request: HttpRequest, appeal: Appeal) -> Person | None:
    """The resident a staff member is acting for (代办), if this is their appeal."""
    acting = acting_for_id(request)
    if acting is None or acting != appeal.resident_id:
        return None
    return Person.objects.filter(pk=acting).first()


def _valid(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        field, errs = next(iter(form.errors.items()))
        raise ValidationFailed(errs[0], field=field if field != "__all__" else None)
    data: dict[str, Any] = form.cleaned_data
    return data


def _target(value: str, appeal: Appeal) -> tuple[Person | None, PartnerUnit | None]:
    kind, _sep, raw = (value or "").partition(":")
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed(_("Choose one person or one partner unit."), field="target")
    if kind == "p":
        person = Person.objects.filter(pk=int(raw)).first()
        if person is None:
            raise ValidationFailed(_("Choose one person or one partner unit."), field="target")
        return person, None
    if kind == "u":
        unit = PartnerUnit.objects.filter(pk=int(raw)).first()
        if unit is None:
            raise ValidationFailed(_("Choose one person or one partner unit."), field="target")
        return None, unit
    raise ValidationFailed(_("Choose one person or one partner unit."), field="target")


def _do(request: HttpRequest, detail: selectors.AppealDetail, action: str) -> str | dict[str, str]:
    """Fire one action; the success message (or, for reveal_contact, the contact)."""
    actor = request.user
    appeal = detail.appeal
    post = request.POST
    if action == "sign_for":
        services.sign_for_appeal(actor=actor, appeal=appeal)
        return _("Signed for: you are now the first responder.")
    if action == "start":
        data = _valid(TextForm(post))
        services.start_appeal(actor=actor, appeal=appeal, text=data["text"])
        return _("First contact recorded; work has started.")
    if action == "reply":
        data = _valid(TextForm(post))
        if not data["text"].strip():
            raise ValidationFailed(_("Write the result for the resident."), field="text")
        services.reply_appeal(actor=actor, appeal=appeal, text=data["text"])
        return _("Replied: the resident is asked to confirm and rate it.")
    if action == "reject":
        data = _valid(ReasonForm(post))
        services.reject_appeal(actor=actor, appeal=appeal, reason=data["reason"])
        return _("The appeal was not accepted; the resident is told why.")
    if action == "reopen":
        data = _valid(ReasonForm(post))
        services.reopen_appeal(
            actor=actor,
            appeal=appeal,
            reason=data["reason"],
            on_behalf_of=_acting_for(request, appeal),
        )
        return _("The appeal was reopened.")
    if action == "rate":
        data = _valid(RateForm(post))
        services.rate_appeal(
            actor=actor,
            appeal=appeal,
            rating=data["rating"],
            comment=data["comment"],
            on_behalf_of=_acting_for(request, appeal),
        )
        return _("Thank you for your rating.")
    if action == "follow_up":
        data = _valid(FollowUpForm(post))
        services.record_follow_up(
            actor=actor,
            appeal=appeal,
            rating=data["rating"],
            comment=data["comment"],
            channel=data["channel"],
        )
        return _("The follow-up was recorded.")
    if action == "transfer":
        data = _valid(TargetForm(post))
        person, unit = _target(data["target"], appeal)
        services.transfer_appeal(
            actor=actor, appeal=appeal, reason=data["reason"], to_person=person, to_partner=unit
        )
        return _("The appeal was transferred.")
    if action == "co_handler":
        data = _valid(TargetForm(post))
        person, unit = _target(data["target"], appeal)
        if person is None:
            raise ValidationFailed(_("Choose a person."), field="target")
        services.add_co_handler(actor=actor, appeal=appeal, person=person)
        return _("Co-handler added.")
    if action == "note":
        data = _valid(NoteForm(post))
        services.add_note(
            actor=actor,
            appeal=appeal,
            text=data["text"],
            public=data["public"] or "note_internal" not in detail.actions,
            on_behalf_of=_acting_for(request, appeal),
        )
        return _("Note added.")
    if action == "recategorise":
        data = _valid(RecategoriseForm(post))
        services.recategorise_appeal(
            actor=actor, appeal=appeal, category_code=data["category"], reason=data["reason"]
        )
        return _("Category changed; the deadlines were recomputed.")
    if action == "merge":
        data = _valid(MergeForm(post))
        number = data["number"].strip().upper()
        into = selectors.appeals_visible(actor).filter(number=number).values_list("pk", flat=True)
        into_pk = next(iter(into), None)
        if into_pk is None:
            raise ValidationFailed(
                _("No open appeal with this number in your area."), field="number"
            )
        services.merge_appeals(actor=actor, into=into_pk, duplicates=[appeal.pk])
        return _("Merged into %(number)s.") % {"number": number}
    if action == "reveal_contact":
        return services.reveal_appeal_contact(actor=actor, appeal=appeal)
    if action == "photos":
        files = request.FILES.getlist("photos")
        services.add_appeal_photos(actor=actor, appeal=appeal, photos=files)
        return _("Photos added.")
    raise Http404  # pragma: no cover - ACTION_ENTRIES is checked first


def _capable(detail: selectors.AppealDetail, action: str) -> bool:
    """Whether the actor's capacities could ever take this action (in some state)."""
    caps = detail.relation.capacities
    entries = ACTION_ENTRIES[action]
    if entries is None:
        if action == "rate":
            return Actor.RESIDENT in caps
        if action == "reveal_contact":
            return bool(caps) or detail.relation.is_area_staff
        return bool(caps & {Actor.RESIDENT, Actor.OWNER, Actor.STAFF})
    for name in entries:
        entry = TRANSITIONS.get(name) or ACTIONS.get(name)
        if entry is not None and entry.actors & caps:
            return True
    return False


@never_cache
@require_POST
@login_required
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_ENTRIES:
        raise Http404(_("Unknown action."))
    detail = _detail(request, pk)
    if not _capable(detail, action):
        raise DjangoPermissionDenied(_("You cannot take this action on this appeal."))
    htmx = bool(getattr(request, "htmx", False))
    try:
        result = _do(request, detail, action)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except PermissionDenied as exc:
        if htmx:
            return HttpResponse(
                format_html('<p class="msg msg-error">{}</p>', exc.message), status=403
            )
        raise DjangoPermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        message = str(exc.message)
        if htmx:
            return HttpResponse(
                format_html('<p class="msg msg-error" role="alert">{}</p>', message),
                status=exc.status_code,
            )
        messages.error(request, message)
        return _page(
            request,
            pk,
            errors={action: message},
            status=exc.status_code,
            forms=_bound(action, request),
        )
    if isinstance(result, dict):
        if htmx:
            return render(request, "appeals/_contact.html", {"revealed": result})
        return _page(request, pk, revealed=result)
    messages.success(request, result)
    return redirect("appeals:detail", pk=pk)


def _bound(action: str, request: HttpRequest) -> dict[str, Any]:
    """The action's form bound to what was typed, so that a refusal keeps it."""
    post = request.POST
    if action in ("reply", "start"):
        return {action: TextForm(post)}
    if action in ("reject", "reopen"):
        return {"reason": ReasonForm(post)}
    if action == "rate":
        return {"rate": RateForm(post)}
    if action == "follow_up":
        return {"follow_up": FollowUpForm(post)}
    if action == "note":
        return {"note": NoteForm(post)}
    return {}


# --- photos -------------------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    try:
        found = selectors_detail.visible_photo(
            request.user, pk, on_behalf_of_id=acting_for_id(request)
        )
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    try:
        handle = found.image.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("No such photo.")) from exc
    response = FileResponse(handle, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response
