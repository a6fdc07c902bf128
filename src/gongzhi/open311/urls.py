"""GeoReport v2 at /open311/v2/: every resource in .json and .xml (see docs/open311.md)."""

from django.urls import URLPattern, URLResolver, re_path

from gongzhi.open311 import views

app_name = "open311"
FMT = r"\.(?P<format>json|xml)$"
urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services_list, name="services"),
    re_path(
        r"^services/(?P<service_code>[A-Za-z0-9_.\-]{1,40})" + FMT,
        views.service_definition,
        name="service_definition",
    ),
    re_path(r"^requests" + FMT, views.requests_view, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[A-Za-z0-9_.\-]{1,40})" + FMT,
        views.request_detail,
        name="request",
    ),
    re_path(r"^tokens/(?P<token>[A-Za-z0-9_\-]{1,60})" + FMT, views.token_detail, name="token"),
    # Anything else under /open311/v2/: the spec's 404 error list, not an HTML page.
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
