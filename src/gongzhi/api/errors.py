"""Every error the API returns is JSON of one shape, with a localised message and the field.

    {"detail": "<message in the request's language>", "field": "<dotted field or null>",
     "code": "<machine-readable code>"}

Request validation errors (the body, query or path does not match the schema) are 422 and add
`errors`, one entry per problem, each with its own `field`, `message` and pydantic `type`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from gongzhi.api.auth import CsrfFailed
from gongzhi.api.parser import BAD_TEXT_ATTR
from gongzhi.core.errors import DomainError

logger = logging.getLogger(__name__)

VALIDATION_STATUS = 422

# pydantic error type -> a message for people; %(name)s are filled from the error's ctx.
_MESSAGES: dict[str, Promise] = {
    "missing": _("This field is required."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "decimal_parsing": _("Enter a number."),
    "decimal_type": _("Enter a number."),
    "finite_number": _("Enter a finite number."),
    "decimal_max_digits": _("Enter a number with at most %(max_digits)s digits."),
    "decimal_max_places": _("Enter a number with at most %(decimal_places)s decimal places."),
    "decimal_whole_digits": _(
        "Enter a number with at most %(whole_digits)s digits before the point."
    ),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "string_type": _("Enter text."),
    "string_unicode": _("Enter valid text."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": _("This value has the wrong format."),
    "too_short": _("Give at least %(min_length)s items."),
    "too_long": _("Give at most %(max_length)s items."),
    "greater_than": _("Enter a value greater than %(gt)s."),
    "greater_than_equal": _("Enter a value of at least %(ge)s."),
    "less_than": _("Enter a value less than %(lt)s."),
    "less_than_equal": _("Enter a value of at most %(le)s."),
    "literal_error": _("Choose one of: %(expected)s."),
    "enum": _("Choose one of: %(expected)s."),
    "list_type": _("Give a list."),
    "dict_type": _("Send a JSON object."),
    "model_type": _("Send a JSON object."),
    "model_attributes_type": _("Send a JSON object."),
    "json_invalid": _("The request body is not valid JSON."),
    "json_type": _("The request body is not valid JSON."),
    "extra_forbidden": _("Unknown field."),
    "none_required": _("This field must be empty."),
}
_FALLBACK = _("This value is not valid.")
_QUOTED = re.compile(r"'([^']*)'")

# Where a value came from, as ninja names it in an error's location.
_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})


def _field_name(loc: Sequence[Any], body_params: frozenset[str]) -> str:
    """("body", "payload", "room") -> "room"; ("query", "limit") -> "limit"."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] in body_params:
            parts.pop(0)
    return ".".join(str(p) for p in parts)


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error" and "error" in ctx:
        # Our own validators raise with a translated message.
        return str(ctx["error"])
    template = _MESSAGES.get(kind)
    if template is None:
        return str(_FALLBACK)
    values = {k: str(v) for k, v in ctx.items()}
    if "expected" in values:
        # pydantic writes "'a', 'b' or 'c'" in English; list the choices without the "or".
        choices = _QUOTED.findall(values["expected"])
        if choices:
            values["expected"] = ", ".join(choices)
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(_FALLBACK)


def validation_payload(
    errors: Sequence[Mapping[str, Any]], body_params: frozenset[str]
) -> dict[str, Any]:
    items = []
    for e in errors:
        field = _field_name(e.get("loc", ()), body_params)
        message = _message(e)
        if not field and e.get("type") == "missing" and tuple(e.get("loc", ()))[:1] == ("body",):
            message = str(_("Send a JSON object in the request body."))
        items.append({"field": field, "message": message, "type": str(e.get("type", ""))})
    first = items[0] if items else {"field": "", "message": str(_FALLBACK)}
    return {
        "detail": first["message"],
        "field": first["field"] or None,
        "code": "invalid",
        "errors": items,
    }


def _error(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: Any,
    code: str,
    field: str | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(detail), "field": field, "code": code}, status=status
    )


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error the shape above."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status_code)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        # Ninja names a JSON body after the view's parameter ("payload"); people do not care.
        payload = validation_payload(exc.errors, frozenset({"payload"}))
        return api.create_response(request, payload, status=VALIDATION_STATUS)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _error(
            api,
            request,
            401,
            _("Log in, or send a valid API token in the Authorization header."),
            "not_authenticated",
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(AuthorizationError)
    def not_authorised(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return _error(api, request, 403, _("You may not do this."), "forbidden")

    @api.exception_handler(CsrfFailed)
    def csrf_failed(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
        return _error(
            api,
            request,
            403,
            _("The CSRF token is missing or wrong. Reload the page, or use an API token."),
            "csrf_failed",
        )

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return _error(api, request, 429, _("Too many requests; try again later."), "throttled")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # The only 400 ninja raises itself: a body that cannot be parsed (api/parser.py).
            bad_field = getattr(request, BAD_TEXT_ATTR, None)
            if bad_field is not None:
                return _error(
                    api,
                    request,
                    400,
                    _("Remove the invalid characters (such as NUL) from this text."),
                    "invalid_text",
                    field=bad_field or None,
                )
            return _error(
                api, request, 400, _("The request body is not valid JSON."), "malformed_json"
            )
        return _error(api, request, exc.status_code, exc.message, "error")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, _("Not found."), "not_found")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return _error(api, request, 413, _("The request body is too large."), "too_large")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        logger.warning("suspicious API request: %s", exc)
        return _error(api, request, 400, _("The request could not be understood."), "bad_request")
