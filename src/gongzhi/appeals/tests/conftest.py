"""Fixtures for the appeals tests."""

from __future__ import annotations

import pytest

from gongzhi.appeals import config, routing
from gongzhi.appeals.tests.factories import build_street


@pytest.fixture(autouse=True)
def _fresh_config():
    """Ids are reused after a rolled-back test: never let one test see another's snapshot."""
    config.reset_config()
    routing._router_cache.clear()
    yield
    config.reset_config()
    routing._router_cache.clear()


@pytest.fixture
def world(db):
    return build_street()
