"""Roles in the community: who is grid worker where, who handles which partner unit.

Community secretaries grant and revoke roles inside their own community (services.assign_role /
revoke_role check the scope again); platform administrators anywhere. Everyone else: 403.
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
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core.errors import DomainError, NotFound
from gongzhi.org import selectors, services
from gongzhi.org.models import PartnerUnit, Region, RegionKind, Role
from gongzhi.org.scopes import ROLE_MANAGER_ROLES, scope_for
from gongzhi.org.views_browse import domain_errors, require

PAGE_SIZE = 50


class RoleAssignForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("Person"),
        max_length=50,
        help_text=gettext_lazy("Mobile number, ID number or full name, in your community."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    region = forms.ModelChoiceField(label=gettext_lazy("Where"), queryset=Region.objects.none())
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner unit"),
        queryset=PartnerUnit.objects.none(),
        required=False,
        help_text=gettext_lazy("Only for partner-unit handlers."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [(value, label) for value, label in Role.choices]
        if not scope_for(actor).is_admin:
            roles = [(v, label) for v, label in roles if v != Role.PLATFORM_ADMIN]
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
        region_field = self.fields["region"]
        region_field.queryset = selectors.regions_manageable(actor).exclude(  # type: ignore[attr-defined]
            kind=RegionKind.BUILDING
        )
        region_field.label_from_instance = lambda r: f"{'— ' * r.depth}{r.name}"  # type: ignore[attr-defined]
        self.fields["partner"].queryset = selectors.partners_visible(actor)  # type: ignore[attr-defined]


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def roles(request: HttpRequest) -> HttpResponse:
    require(scope_for(request.user).has_any(ROLE_MANAGER_ROLES))
    form = RoleAssignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = selectors.find_person_for_role(request.user, data["person"])
            services.assign_role(
                actor=request.user,
                person=person,
                role=data["role"],
                region=data["region"],
                partner=data["partner"],
            )
        except NotFound as exc:
            form.add_error("person", str(exc.message))
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s at %(region)s.")
                % {
                    "person": person.name,
                    "role": Role(data["role"]).label,
                    "region": data["region"].name,
                },
            )
            return redirect("org:roles")
    page = Paginator(selectors.role_assignments_manageable(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "org/roles.html", {"form": form, "page": page}, status=status)


@login_required
@domain_errors
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.role_assignments_manageable(request.user).filter(pk=pk).first()
    if assignment is None:
        raise NotFound(_("No such role assignment in your community."))
    services.revoke_role(actor=request.user, assignment=assignment)
    messages.success(
        request,
        _("%(person)s is no longer %(role)s at %(region)s.")
        % {
            "person": assignment.person.name,
            "role": assignment.get_role_display(),
            "region": assignment.region.name,
        },
    )
    return redirect("org:roles")


urlpatterns = [
    path("roles/", roles, name="roles"),
    path("roles/<int:pk>/revoke/", role_revoke, name="role_revoke"),
]
