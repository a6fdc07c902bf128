from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongzhi.org.models import Role
from gongzhi.org.scopes import scope_for
from gongzhi.web.navigation import links_for, try_reverse


def actor(request: HttpRequest) -> dict[str, Any]:
    """The actor's scope, name, roles and navigation, and any resident being acted for (代办)."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    acting_for_name = (
        request.session.get("acting_for_name", "") if hasattr(request, "session") else ""
    )
    display_name = ""
    if user is not None and user.is_authenticated:
        person = getattr(user, "person", None)
        display_name = person.name if person is not None else user.get_username()
    return {
        "scope": scope,
        "acting_for_name": acting_for_name,
        "act_for_stop_url": try_reverse("org:act_for_stop") if acting_for_name else None,
        "display_name": display_name,
        # In the order roles are declared, so the header reads the same on every page.
        "role_labels": [label for value, label in Role.choices if value in scope.roles],
        "nav_links": links_for(scope),
    }
