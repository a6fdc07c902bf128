"""The demo's Open311 API key (a step and a reporter of the demo loader).

The key is derived from SECRET_KEY (services.demo_key), so every `gongzhi demo` run prints the
same working key although only its digest is stored. It is bound to the demo street: it may
file into and read from the demo community and the village.
"""

from __future__ import annotations

from typing import Any

from gongzhi.open311 import services
from gongzhi.open311.models import Open311Client


def add_open311_key(ctx: Any) -> None:
    """Create the demo's Open311 client, bound to the demo street."""
    services.ensure_demo_client(actor=ctx.actor, street=ctx.street)


def report_open311_key(street: Any) -> list[str]:
    """["Open311 API key: <key>"] when the demo client's key works with this SECRET_KEY."""
    key = services.demo_key(street)
    if not Open311Client.objects.filter(key_hash=services.hash_key(key), active=True).exists():
        return [
            "Open311: no working demo API key for this SECRET_KEY; issue one with "
            f"`gongzhi open311_key create --region {street.code} --name demo`"
        ]
    return [f"Open311 API key: {key}"]
