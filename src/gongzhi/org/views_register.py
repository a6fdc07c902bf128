"""The household register in Excel: the page, the template, the import and the export.

Community staff and secretaries import (IMPORT_ROLES); grid workers, staff and secretaries
export (EXPORT_ROLES); the platform administrator does both. Everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from gongzhi.core.errors import DomainError, NotFound
from gongzhi.org import selectors
from gongzhi.org.register_export import export_register
from gongzhi.org.register_import import ImportReport, import_register
from gongzhi.org.register_io import MAX_FILE_BYTES, REGISTER_ROLES
from gongzhi.org.register_template import build_template
from gongzhi.org.scopes import EXPORT_ROLES, IMPORT_ROLES, scope_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ERRORS_SHOWN = 1000


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Register file (.xlsx or .csv)"),
        error_messages={"required": gettext_lazy("Choose a file to upload.")},
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise DjangoPermissionDenied(_("This page is not open to your role."))


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def _page(
    request: HttpRequest,
    *,
    form: RegisterUploadForm | None = None,
    report: ImportReport | None = None,
) -> HttpResponse:
    actor = request.user
    scope = scope_for(actor)
    errors = report.errors if report is not None else []
    context: dict[str, Any] = {
        "can_import": scope.has_any(IMPORT_ROLES),
        "can_export": scope.has_any(EXPORT_ROLES),
        "form": form or RegisterUploadForm(),
        "report": report,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
        "household_count": selectors.households_visible(actor)
        .filter(scope.q("building__path", REGISTER_ROLES))
        .count(),
        "people_count": selectors.people_visible(actor)
        .filter(household__isnull=False)
        .filter(scope.q("region__path", REGISTER_ROLES))
        .count(),
    }
    return render(request, "org/register.html", context)


@login_required
@require_safe
def register(request: HttpRequest) -> HttpResponse:
    _require(scope_for(request.user).has_any(REGISTER_ROLES))
    return _page(request)


@login_required
@require_safe
def register_template(request: HttpRequest) -> HttpResponse:
    _require(scope_for(request.user).has_any(REGISTER_ROLES))
    content = build_template(actor=request.user)
    return _download(content, _("Household register template") + ".xlsx")


@never_cache
@login_required
@require_safe
def register_export(request: HttpRequest) -> HttpResponse:
    actor = request.user
    _require(scope_for(actor).has_any(EXPORT_ROLES))
    region = None
    raw = request.GET.get("region", "")
    if raw:
        if not raw.isdigit():
            raise Http404(_("No such region in your area."))
        try:
            region = selectors.get_region(actor, int(raw))
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc
    export = export_register(actor=actor, region=region)
    return _download(export.content, export.filename)


@login_required
@require_POST
def register_import(request: HttpRequest) -> HttpResponse:
    _require(scope_for(request.user).has_any(IMPORT_ROLES))
    form = RegisterUploadForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        try:
            report = import_register(actor=request.user, file=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            if report.ok:
                messages.success(request, _summary(report))
                if report.ignored_columns:
                    messages.info(
                        request,
                        _("These columns were not recognised and were ignored: %(columns)s")
                        % {"columns": "、".join(report.ignored_columns)},
                    )
                return redirect("org:register")
    return _page(request, form=form, report=report)


def _summary(report: ImportReport) -> str:
    return _(
        "Imported %(rows)s rows: %(hc)s households added, %(hu)s updated, %(hs)s unchanged; "
        "%(pc)s residents added, %(pu)s updated, %(ps)s unchanged."
    ) % {
        "rows": report.rows,
        "hc": report.households_created,
        "hu": report.households_updated,
        "hs": report.households_unchanged,
        "pc": report.people_created,
        "pu": report.people_updated,
        "ps": report.people_unchanged,
    }


urlpatterns = [
    path("register/", register, name="register"),
    path("register/template.xlsx", register_template, name="register_template"),
    path("register/export.xlsx", register_export, name="register_export"),
    path("register/import/", register_import, name="register_import"),
]
