"""GeoReport v2 output: the same nested structure as JSON or as XML, and the spec's errors.

Values are None, str, int, float, bool, a dict (an element with children) or a list (repeated
children, named by `ITEM_TAGS`: "attributes" holds "attribute" elements, and so on).
XML is written with ElementTree (escaped by it), UTF-8 with the XML declaration the spec asks
for; JSON keeps None as null.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

from gongzhi.core.calendar import SHANGHAI

JSON = "json"
XML = "xml"
FORMATS = (JSON, XML)
CONTENT_TYPES = {
    JSON: "application/json; charset=utf-8",
    XML: "text/xml; charset=utf-8",
}
# The element name of each item of a list, by the list's name.
ITEM_TAGS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "services": "service",
    "service_requests": "request",
    "errors": "error",
}


def iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 with the offset (the w3 subset the spec asks for), in China Standard Time."""
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, SHANGHAI)
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """`value` under a root element: a list becomes repeated children (`ITEM_TAGS[root]`)."""
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def render(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """The response in the asked format. `root` names the XML root element; JSON is `value`."""
    if fmt == XML:
        content = to_xml(root, value)
    else:
        content = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list: `[{"code": 400, "description": "..."}]`, `<errors><error>`."""
    items = [{"code": status, "description": d} for d in descriptions]
    return render(fmt, "errors", items, status=status)
