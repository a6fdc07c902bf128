"""The audit page: who did what, on whose behalf, to which object, when, with which request.

Open to community secretaries and street supervisors (each for their own subtree, through
`audit_events_visible`) and platform administrators (everything). Everyone else gets 403.
Personal data inside before/after values is masked: this is a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.core.masking import mask_address, mask_id_number, mask_phone
from gongzhi.core.models import AuditEvent
from gongzhi.org.scopes import AUDIT_ROLES, scope_for
from gongzhi.org.selectors import audit_events_visible
from gongzhi.org.views_browse import domain_errors, require

PAGE_SIZE = 50

ACTION_LABELS: dict[str, Promise] = {
    "region.create": _("Region created"),
    "household.create": _("Household registered"),
    "household.update": _("Household changed"),
    "person.create": _("Person registered"),
    "person.update": _("Person changed"),
    "person.reveal": _("Personal data revealed"),
    "role.assign": _("Role granted"),
    "role.revoke": _("Role revoked"),
    "party_org.create": _("Party organisation created"),
    "party_member.add": _("Party member registered"),
    "partner.create": _("Partner unit added"),
    "committee_member.add": _("Committee member added"),
    "acting.start": _("Started acting on behalf of a resident"),
    "acting.stop": _("Stopped acting on behalf of a resident"),
}

_MASKERS = {
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "id_number": mask_id_number,
    "address": mask_address,
}

# Object types whose description is an address.
_ADDRESS_OBJECTS = {"org.household"}
# Object pages to link to (they answer 404 when the object is out of the viewer's scope).
_OBJECT_PAGES = {"org.person": "org:person", "org.household": "org:household"}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _show(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    masker = _MASKERS.get(key)
    return masker(text) if masker else text


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    label: str
    object_repr: str
    changes: list[Change]
    link: str


def audit_row(event: AuditEvent) -> AuditRow:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    changes = [
        Change(
            field=k,
            before=_show(k, before.get(k)) if k in before else "",
            after=_show(k, after.get(k)) if k in after else "",
        )
        for k in keys
    ]
    repr_ = event.object_repr
    if event.object_type in _ADDRESS_OBJECTS and repr_:
        repr_ = mask_address(repr_)
    link = ""
    url_name = _OBJECT_PAGES.get(event.object_type)
    if url_name and event.object_id.isdigit():
        link = reverse(url_name, kwargs={"pk": int(event.object_id)})
    return AuditRow(
        event=event, label=action_label(event.action), object_repr=repr_, changes=changes, link=link
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Actor"), max_length=150, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type for mypy
        field.choices = [("", _("All actions")), *((a, action_label(a)) for a in actions)]


def filter_events(events: QuerySet[AuditEvent], data: dict[str, Any]) -> QuerySet[AuditEvent]:
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("actor"):
        term = data["actor"].strip()
        events = events.filter(
            Q(actor__username__icontains=term) | Q(actor__person__name__icontains=term)
        )
    if data.get("date_from"):
        events = events.filter(created_at__date__gte=data["date_from"])
    if data.get("date_to"):
        events = events.filter(created_at__date__lte=data["date_to"])
    return events


@login_required
@domain_errors
def audit(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(scope_for(actor).has_any(AUDIT_ROLES))
    events = audit_events_visible(actor)
    seen = set(events.order_by().values_list("action", flat=True).distinct())
    actions = [*ACTION_LABELS, *sorted(seen - set(ACTION_LABELS))]
    form = AuditFilterForm(request.GET or None, actions=actions)
    if form.is_bound and form.is_valid():
        events = filter_events(events, form.cleaned_data)
    elif form.is_bound:
        events = events.none()
    events = events.select_related("actor", "actor__person", "on_behalf_of").order_by(
        "-created_at", "-id"
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "page": page,
            "rows": [audit_row(e) for e in page.object_list],
            "query": query.urlencode(),
        },
    )


urlpatterns = [path("audit/", audit, name="audit")]
