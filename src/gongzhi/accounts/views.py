from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from gongzhi.accounts import services
from gongzhi.accounts.forms import LoginForm, PasswordChangeForm
from gongzhi.core.errors import DomainError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log anyone out."""


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes calls this when too many wrong passwords came for one login and address."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@sensitive_post_parameters()
@csrf_protect
@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST) if request.method == "POST" else PasswordChangeForm()
    if form.is_bound and form.is_valid():
        try:
            user = services.change_own_password(
                actor=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            update_session_auth_hash(request, user)  # stay logged in on this device
            messages.success(request, _("Your password has been changed."))
            return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form})
