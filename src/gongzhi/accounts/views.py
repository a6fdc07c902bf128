from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any,
               **kwargs: Any) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=429)
