"""The GeoReport v2 endpoints. Each parses its parameters, checks the API key, calls a service
or a selector, and answers in the format named by the URL's extension (.json or .xml).

Authentication is the `api_key` parameter only, never the session: the views are exempt from
CSRF because no cookie is honoured. Discovery, services and service definitions are public;
POST and GET requests, a request and tokens need a valid key, and read or file only inside its
region. Every error is the spec's list (`[{"code": 400, "description": "..."}]`, XML
`<errors><error>`), with the parameter it is about named first.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import DomainError, NotFound, PermissionDenied
from gongzhi.open311 import selectors, services
from gongzhi.open311.formats import JSON, XML, errors, iso, render
from gongzhi.open311.models import Open311Client

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this implementation's endpoint last changed (discovery's changeset).
CHANGESET = dt.datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)
MAX_IDS = 100
MAX_ID_LENGTH = 24
MAX_MEDIA_URL = 500
MAX_NAME = 25
# Dates outside these years are refused (and the 90-day arithmetic cannot overflow).
MIN_YEAR = 1900
MAX_YEAR = 2999
ATTRIBUTE_RE = re.compile(r"^attribute\[([A-Za-z0-9_.\-]{1,40})\]$")
KNOWN_ATTRIBUTES = frozenset({"urgency", "title"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Domain error fields (appeals.services) named as the Open311 parameters they come from.
FIELD_PARAMS = {
    "text": "description",
    "title": "attribute[title]",
    "category": "service_code",
    "location": "lat/long",
    "urgency": "attribute[urgency]",
    "contact_phone": "phone",
    "contact_name": "first_name/last_name",
    "building": "address_id",
    "grid": "address_id",
    "idempotency_key": "Idempotency-Key",
}


class BadRequest(Exception):
    """A malformed parameter: answered 400 with the parameter named."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


View = Callable[..., HttpResponse]


def _describe(field: str | None, message: str) -> str:
    if not field:
        return message
    return f"{FIELD_PARAMS.get(field, field)}: {message}"


def endpoint(*methods: str) -> Callable[[View], View]:
    """Allowed methods (GET also allows HEAD); domain errors and bad parameters answered in the
    spec's error format; no CSRF (the API key is the only credential)."""

    def wrap(view: View) -> View:
        allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

        @csrf_exempt
        def inner(request: HttpRequest, *args: Any, format: str = JSON, **kwargs: Any) -> Any:
            fmt = format if format in (JSON, XML) else JSON
            if request.method not in allowed:
                response = errors(
                    fmt,
                    405,
                    gettext("Method %(method)s is not allowed here; use %(allowed)s.")
                    % {"method": request.method, "allowed": ", ".join(sorted(methods))},
                )
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except BadRequest as exc:
                return errors(fmt, 400, f"{exc.param}: {exc.message}")
            except DomainError as exc:
                status = exc.status_code if exc.status_code in (400, 403, 404) else 400
                return errors(fmt, status, _describe(exc.field, str(exc.message)))

        inner.__name__ = view.__name__
        inner.__doc__ = view.__doc__
        return inner

    return wrap


# --- parameters ---------------------------------------------------------------------------------


def _params(request: HttpRequest) -> QueryDict:
    """The query string, and for POST the form body over it."""
    if request.method != "POST":
        return request.GET
    if request.body and request.content_type not in FORM_TYPES:
        raise BadRequest(
            "Content-Type",
            gettext("send the parameters form-encoded (application/x-www-form-urlencoded)."),
        )
    try:
        form = request.POST
    except (MultiPartParserError, SuspiciousOperation):
        raise BadRequest(
            "body", gettext("the form could not be read (malformed or too large).")
        ) from None
    merged = request.GET.copy()
    for key in form:
        merged.setlist(key, form.getlist(key))
    return merged


def _client(params: QueryDict) -> Open311Client:
    key = params.get("api_key", "")
    if not key:
        raise PermissionDenied(gettext("this call needs an API key."), field="api_key")
    client = services.authenticate_key(key)
    if client is None:
        raise PermissionDenied(gettext("the API key is invalid or inactive."), field="api_key")
    return client


def _text(params: QueryDict, name: str, limit: int) -> str:
    value = params.get(name, "")
    if len(value) > limit:
        raise BadRequest(name, gettext("at most %(n)d characters.") % {"n": limit})
    return value.strip()


def _float(params: QueryDict, name: str) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(name, gettext("not a number: %(value)r.") % {"value": raw}) from None
    if not math.isfinite(value):
        raise BadRequest(name, gettext("not a number: %(value)r.") % {"value": raw})
    return value


def _location(params: QueryDict) -> services.Location:
    lat = _float(params, "lat")
    lon = _float(params, "long")
    if (lat is None) != (lon is None):
        raise BadRequest("lat/long", gettext("give both lat and long, or neither."))
    if lat is not None and lon is not None:
        if not (-90.0 <= lat <= 90.0):
            raise BadRequest("lat", gettext("a latitude is between -90 and 90."))
        if not (-180.0 <= lon <= 180.0):
            raise BadRequest("long", gettext("a longitude is between -180 and 180."))
    raw_id = params.get("address_id", "").strip()
    address_id = None
    if raw_id:
        if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 12:
            raise BadRequest("address_id", gettext("the id of a building or grid (a number)."))
        address_id = int(raw_id)
    return services.Location(
        latitude=lat,
        longitude=lon,
        address_id=address_id,
        address_string=_text(params, "address_string", services.MAX_ADDRESS),
    )


def _attributes(params: QueryDict) -> dict[str, str]:
    found: dict[str, str] = {}
    for key in params:
        if not key.startswith("attribute"):
            continue
        match = ATTRIBUTE_RE.match(key)
        if match is None or match.group(1) not in KNOWN_ATTRIBUTES:
            raise BadRequest(
                key,
                gettext(
                    "unknown attribute; this server knows attribute[urgency] and attribute[title]."
                ),
            )
        found[match.group(1)] = params.get(key, "").strip()
    return found


def _media_url(params: QueryDict) -> str:
    value = _text(params, "media_url", MAX_MEDIA_URL)
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise BadRequest("media_url", gettext("not an http(s) URL.")) from None
    return value


def _idempotency_key(request: HttpRequest, params: QueryDict) -> str:
    header = request.headers.get("Idempotency-Key", "").strip()
    param = params.get("idempotency_key", "").strip()
    if header and param and header != param:
        raise BadRequest(
            "Idempotency-Key",
            gettext("the header and the idempotency_key parameter differ."),
        )
    return header or param


def _moment(params: QueryDict, name: str) -> dt.datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    moment: dt.datetime | None = None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest(
            name,
            gettext("use ISO 8601, e.g. 2026-09-01T08:00:00+08:00; got %(value)r.")
            % {"value": raw[:40]},
        )
    if not (MIN_YEAR <= moment.year <= MAX_YEAR):
        raise BadRequest(
            name,
            gettext("a date between the years %(min)d and %(max)d.")
            % {"min": MIN_YEAR, "max": MAX_YEAR},
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def _csv(params: QueryDict, name: str) -> tuple[str, ...]:
    values: list[str] = []
    for raw in params.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return tuple(dict.fromkeys(values))


def _known_service(code: str) -> None:
    """An unknown service_code in a parameter is a bad request (400, naming it)."""
    try:
        selectors.service_category(code)
    except NotFound as exc:
        raise BadRequest("service_code", str(exc.message)) from None


def _request_query(params: QueryDict) -> selectors.RequestQuery:
    ids = _csv(params, "service_request_id")
    if len(ids) > MAX_IDS:
        raise BadRequest(
            "service_request_id", gettext("at most %(n)d ids at once.") % {"n": MAX_IDS}
        )
    if any(len(i) > MAX_ID_LENGTH for i in ids):
        raise BadRequest("service_request_id", gettext("not a service request id."))
    codes = _csv(params, "service_code")
    for code in codes:
        _known_service(code)
    statuses = _csv(params, "status")
    unknown = [s for s in statuses if s not in (selectors.STATUS_OPEN, selectors.STATUS_CLOSED)]
    if unknown:
        raise BadRequest("status", gettext("open or closed (or both, comma separated)."))
    start = _moment(params, "start_date")
    end = _moment(params, "end_date")
    if start is not None and end is not None:
        if start > end:
            raise BadRequest("start_date", gettext("start_date is after end_date."))
        if end - start > selectors.DEFAULT_WINDOW:
            raise BadRequest("end_date", gettext("the range may not span more than 90 days."))
    return selectors.RequestQuery(
        ids=ids, service_codes=codes, statuses=statuses, start=start, end=end
    )


# --- endpoints ----------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"format": fmt}))
    base = url.rsplit("/", 1)[0]
    body = {
        "changeset": iso(CHANGESET),
        "contact": str(getattr(settings, "GONGZHI_OPEN311_CONTACT", "") or ""),
        "key_service": gettext(
            "Ask the platform administrator for a key (gongzhi open311_key create)."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": iso(CHANGESET),
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@endpoint("GET")
def services_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    items = [selectors.service(c) for c in selectors.service_categories()]
    return render(fmt, "services", items)


@endpoint("GET")
def service_definition(request: HttpRequest, service_code: str, *, fmt: str) -> HttpResponse:
    info = selectors.service_category(service_code)
    return render(fmt, "service_definition", selectors.service_definition(info))


@endpoint("GET", "POST")
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    params = _params(request)
    client = _client(params)
    if request.method == "POST":
        return _post_request(request, params, client, fmt)
    query = _request_query(params)
    appeals = selectors.requests_for(client, query, now=timezone.now())
    return render(fmt, "service_requests", selectors.service_requests(appeals))


def _post_request(
    request: HttpRequest, params: QueryDict, client: Open311Client, fmt: str
) -> HttpResponse:
    service_code = params.get("service_code", "").strip()
    if not service_code:
        raise BadRequest("service_code", gettext("required."))
    _known_service(service_code)
    filed = services.submit_request(
        client=client,
        service_code=service_code,
        description=params.get("description", ""),
        location=_location(params),
        attributes=_attributes(params),
        first_name=_text(params, "first_name", MAX_NAME),
        last_name=_text(params, "last_name", MAX_NAME),
        phone=_text(params, "phone", 20),
        media_url=_media_url(params),
        idempotency_key=_idempotency_key(request, params),
    )
    appeal = filed.appeal
    body = [
        {
            "service_request_id": appeal.number,
            "token": filed.request.token,
            "service_notice": gettext("To be resolved by %(date)s")
            % {"date": iso(appeal.resolve_by)},
            "account_id": None,
        }
    ]
    response = render(fmt, "service_requests", body, status=201 if filed.created else 200)
    if not filed.created:
        response["Idempotent-Replayed"] = "true"
    return response


@endpoint("GET")
def request_detail(request: HttpRequest, service_request_id: str, *, fmt: str) -> HttpResponse:
    client = _client(_params(request))
    appeal = selectors.request_for(client, service_request_id)
    return render(fmt, "service_requests", [selectors.service_request(appeal)])


@endpoint("GET")
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    client = _client(_params(request))
    found = selectors.request_by_token(client, token)
    body = [{"service_request_id": found.appeal.number, "token": found.token}]
    return render(fmt, "service_requests", body)


@endpoint("GET", "POST")
def not_found(request: HttpRequest, rest: str, *, fmt: str) -> HttpResponse:
    fmt = XML if rest.endswith(".xml") else JSON
    return errors(
        fmt,
        404,
        gettext("No such Open311 resource: %(path)s. See discovery.json.") % {"path": rest[:80]},
    )
