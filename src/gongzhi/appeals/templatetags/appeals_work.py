"""Formatting helpers for the staff pages of appeals."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: object) -> str:
    """0.8765 -> "87.7%"; no denominator (None, or no value at all) -> "—"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value * 100:.1f}%"
