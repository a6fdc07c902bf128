"""One django-ninja API assembled from each app's api.py, mounted at /api/v1/ (namespace "api").

- Auth: a browser session (CSRF enforced on unsafe methods) or a personal API token
  (`Authorization: Bearer gz_…`), on every operation; 401 JSON otherwise.
- Errors: one JSON shape for every 4xx (see api/errors.py).
- The OpenAPI schema (/api/v1/openapi.json), the interactive docs (/api/v1/docs) and the root
  (/api/v1/, a small index of links) are public: they describe the API and hold no data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.operation import Operation

from gongzhi.api import errors
from gongzhi.api.auth import AUTH
from gongzhi.api.parser import StrictJSONParser
from gongzhi.api.tokens import router as tokens_router
from gongzhi.appeals.api import router as appeals_router
from gongzhi.org.api import router as org_router

DESCRIPTION = """\
The Gongzhi JSON API. Sign in with a browser session, or send a personal API token as
`Authorization: Bearer <token>` (create one with `POST /api/v1/tokens`).

Every list is paginated (`limit`, `offset`; answer `{"items": [...], "count": n}`). Every error
is `{"detail": "...", "field": "...", "code": "..."}` in the language of `Accept-Language`
(Simplified Chinese by default); request validation errors are 422 and add `errors`.
Everything you see is limited to your area: an object outside it is a 404.
"""


class GongzhiAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The URL name is stable, short and unique: use it as the OpenAPI operationId.
        url_name = getattr(operation, "url_name", None)
        return url_name or super().get_openapi_operation_id(operation)

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        # Ninja's root view only raises Http404 (it exists so that the schema can reverse the
        # API's prefix); ours answers with a small public index instead, as JSON.
        urls = [u for u in super()._get_urls() if getattr(u, "name", None) != "api-root"]
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = _json_method_not_allowed(url.callback)
        urls.append(path("", api_root, name="api-root"))
        # Anything else under /api/v1/ is a JSON 404 too, not the site's HTML page.
        urls.append(re_path(r"^(?P<rest>.*)$", not_found, name="not-found"))
        return urls


def _method_not_allowed() -> JsonResponse:
    return JsonResponse(
        {"detail": str(_("Method not allowed.")), "field": None, "code": "method_not_allowed"},
        status=405,
    )


def _json_method_not_allowed(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Ninja answers a wrong method with an empty text 405; make it JSON like every error."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = _method_not_allowed()
            response["Allow"] = allowed
        return response

    return wrapped


def api_root(request: HttpRequest, **kwargs: Any) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        response = _method_not_allowed()
        response["Allow"] = "GET, HEAD"
        return response
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "openapi": reverse("api:openapi-json"),
            "docs": reverse("api:openapi-view"),
        }
    )


def not_found(request: HttpRequest, **kwargs: Any) -> JsonResponse:
    return JsonResponse(
        {"detail": str(_("No such API endpoint.")), "field": None, "code": "not_found"},
        status=404,
    )


api = GongzhiAPI(
    title="Gongzhi API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    parser=StrictJSONParser(),
)
errors.install(api)
api.add_router("/", org_router)
api.add_router("/", tokens_router)
api.add_router("/", appeals_router)
