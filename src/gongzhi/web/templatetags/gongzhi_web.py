"""Template helpers for links to pages that other apps may or may not have yet."""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.web.navigation import try_reverse

register = template.Library()


@register.simple_tag
def url_if_exists(url_name: str, **kwargs: Any) -> str:
    """The URL, or "" when the page does not exist: `{% url_if_exists "org:region" pk=1 as u %}`."""
    return try_reverse(url_name, kwargs) or ""
