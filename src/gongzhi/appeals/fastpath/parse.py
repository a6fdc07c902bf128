"""Which requests the fast path takes, and what they ask for. Pure: no Django, no query.

The fast path takes only the plain happy-path shape of the contract in docs/api.md: a Bearer
token, a JSON object whose keys, value types and lengths all pass the API's AppealIn schema
(appeals/api_schemas.py) on the "api" channel, a well-formed Idempotency-Key or none, no
language cookie. Anything else (a session without a token, an odd header, a wrong type, an
unknown key, a body that is not JSON, a 代办 channel) is `None`: the request goes on to the
normal endpoint, which answers it (and every error) as it always has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PATH = "/api/v1/appeals"
MAX_BODY = 64 * 1024
KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")  # services.KEY_RE
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # core.middleware._SAFE_ID
TOKEN_RE = re.compile(r"^gz_[A-Za-z0-9_\-]{43}$")  # api.services: "gz_" + token_urlsafe(32)
JSON_TYPES = frozenset({b"application/json", b"application/json; charset=utf-8"})

CATEGORY_RE = re.compile(r"^[A-Za-z0-9._\-]{1,40}$")  # api_schemas.CATEGORY_PATTERN
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")  # api.parser: no database stores these
MAX_ID = 2**63 - 1
# AppealIn's strings and their lengths (min, max).
STRINGS = {"text": (1, 2000), "title": (0, 100), "contact_name": (0, 50), "contact_phone": (0, 20)}
OPTIONAL_INTS = ("building_id", "grid_id")
OPTIONAL_FLOATS = {"latitude": 90.0, "longitude": 180.0}
FIELDS = frozenset((*STRINGS, *OPTIONAL_INTS, *OPTIONAL_FLOATS)) | {
    "category",
    "urgency",
    "anonymous",
    "channel",
    "resident_id",
}
URGENCIES = frozenset({"normal", "urgent"})


@dataclass(frozen=True)
class Submission:
    """One appeal as the fast path received it (nothing checked against the database yet)."""

    secret: str
    text: str
    title: str = ""
    category_code: str | None = None
    urgency: str = "normal"
    building_id: int | None = None
    grid_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    anonymous: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    idempotency_key: str = ""
    request_id: str = ""
    accept_language: str = ""


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def headers_of(raw: list[tuple[bytes, bytes]] | Any) -> dict[bytes, bytes] | None:
    """The ASGI headers as a dict; None when a header we read is repeated."""
    out: dict[bytes, bytes] = {}
    for name, value in raw:
        key = bytes(name).lower()
        if key in out and key in (b"authorization", b"content-type", b"idempotency-key"):
            return None
        out[key] = bytes(value)
    return out


def wants_fast_path(method: str, path: str, query: bytes, headers: Mapping[bytes, bytes]) -> bool:
    """Whether the request may be the fast path's, judged on its head alone."""
    if method != "POST" or path != PATH or query:
        return False
    auth = headers.get(b"authorization", b"")
    if not auth.startswith(b"Bearer "):
        return False
    if headers.get(b"content-type", b"").lower() not in JSON_TYPES:
        return False
    if b"django_language=" in headers.get(b"cookie", b""):
        return False
    if b"transfer-encoding" in headers or b"content-encoding" in headers:
        return False
    length = headers.get(b"content-length")
    return length is not None and length.isdigit() and 0 < int(length) <= MAX_BODY


def parse(headers: Mapping[bytes, bytes], body: bytes) -> Submission | None:
    """The submission, or None when the request is anything but the plain happy path."""
    try:
        secret = headers[b"authorization"][7:].decode("ascii").strip()
        key = headers.get(b"idempotency-key", b"").decode("ascii").strip()
        request_id = headers.get(b"x-request-id", b"").decode("ascii")
        accept_language = headers.get(b"accept-language", b"").decode("ascii")
        data = json.loads(body.decode("utf-8"), parse_constant=_not_json)
    except (KeyError, UnicodeDecodeError, ValueError):
        return None
    if not TOKEN_RE.match(secret) or (key and not KEY_RE.match(key)):
        return None
    if not isinstance(data, dict) or not data.keys() <= FIELDS or "text" not in data:
        return None
    if data.get("channel", "api") != "api" or data.get("resident_id") is not None:
        return None
    values: dict[str, Any] = {}
    for name, (least, most) in STRINGS.items():
        if name in data:
            value = data[name]
            if type(value) is not str or not least <= len(value) <= most or BAD_TEXT.search(value):
                return None
            values[name] = value
    category = data.get("category")
    if category is not None and (type(category) is not str or not CATEGORY_RE.match(category)):
        return None
    values["category_code"] = category
    for name in OPTIONAL_INTS:
        value = data.get(name)
        if value is not None and (type(value) is not int or not 1 <= value <= MAX_ID):
            return None
        values[name] = value
    for name, bound in OPTIONAL_FLOATS.items():
        value = data.get(name)
        if value is not None:
            if type(value) not in (int, float) or not -bound <= value <= bound:
                return None
            value = float(value)
        values[name] = value
    urgency = data.get("urgency", "normal")
    if urgency not in URGENCIES:
        return None
    anonymous = data.get("anonymous", False)
    if type(anonymous) is not bool:
        return None
    return Submission(
        secret=secret,
        urgency=urgency,
        anonymous=anonymous,
        idempotency_key=key,
        request_id=request_id if REQUEST_ID_RE.match(request_id) else "",
        accept_language=accept_language,
        **values,
    )
