"""The demo's Open311 API key (a step and a reporter of the demo loader)."""

from __future__ import annotations

from typing import Any


def add_open311_key(ctx: Any) -> None:
    """Create the demo's Open311 API key. To be written with the open311 app."""


def report_open311_key(street: Any) -> list[str]:
    """Lines for the demo summary, e.g. ["Open311 API key: <key>"]."""
    return []
