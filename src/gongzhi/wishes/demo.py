"""Demo micro-wishes (a step of the demo loader)."""

from __future__ import annotations

from typing import Any


def add_wishes(ctx: Any) -> None:
    """Add demo micro-wishes. To be written with the wishes app."""
