"""A strict JSON body parser: what json.loads accepts but no database stores is refused early.

- NaN and Infinity are not JSON (RFC 8259) although Python reads them: refused.
- A lone surrogate ("\\ud800") cannot be encoded as UTF-8, and PostgreSQL refuses text with a
  NUL character: either would fail deep in a service or the database driver (a 500), so a body
  holding one in any string or key is refused here, naming the field.

The refusal is a 400 like any body that cannot be parsed; api/errors.py words it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
BAD_TEXT_ATTR = "_gongzhi_bad_text_field"


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def find_bad_text(data: Any) -> str | None:
    """The dotted path of the first string (or key) that no database would store, if any."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _BAD_TEXT.search(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _BAD_TEXT.search(str(key)):
                    return path or "(key)"
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body, parse_constant=_not_json)
        bad = find_bad_text(data)
        if bad is not None:
            setattr(request, BAD_TEXT_ATTR, bad)
            raise ValueError("text no database can store")
        return data
