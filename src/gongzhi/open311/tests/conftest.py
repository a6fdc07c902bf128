"""Fixtures for the Open311 tests: the appeals test street, and a key for each community."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gongzhi.appeals import config, routing
from gongzhi.appeals.tests.factories import Street, build_street
from gongzhi.open311 import services


@pytest.fixture(autouse=True)
def _fresh_config():
    """Ids are reused after a rolled-back test: never let one test see another's snapshot."""
    config.reset_config()
    routing._router_cache.clear()
    yield
    config.reset_config()
    routing._router_cache.clear()


@dataclass
class Keys:
    world: Street
    a: services.IssuedKey  # bound to community A
    b: services.IssuedKey  # bound to community B


@pytest.fixture
def keys(db) -> Keys:
    world = build_street()
    return Keys(
        world=world,
        a=services.create_client(actor=None, name="App A", region=world.comm_a),
        b=services.create_client(actor=None, name="App B", region=world.comm_b),
    )
