from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.web.selectors import home_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One section per role the person holds; see web/selectors.py."""
    return render(request, "web/home.html", {"page": home_page(request.user)})
