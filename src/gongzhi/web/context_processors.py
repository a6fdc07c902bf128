from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongzhi.org.scopes import scope_for


def actor(request: HttpRequest) -> dict[str, Any]:
    """The actor's scope and any resident being acted for (代办), for every template."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "scope": scope,
        "acting_for_name": request.session.get("acting_for_name", "")
        if hasattr(request, "session")
        else "",
    }
