"""One django-ninja API assembled from each app's api.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from gongzhi.core.errors import DomainError

api = NinjaAPI(
    title="Gongzhi API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status_code)
