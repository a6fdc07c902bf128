"""Fixtures for the insights tests: the appeals tests' small street."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gongzhi.appeals import config, routing
from gongzhi.appeals.tests.factories import Street, build_street


@pytest.fixture(autouse=True)
def _fresh_config() -> Iterator[None]:
    """Ids are reused after a rolled-back test: never let one test see another's snapshot."""
    config.reset_config()
    routing._router_cache.clear()
    yield
    config.reset_config()
    routing._router_cache.clear()


@pytest.fixture
def world(db: Any) -> Street:
    return build_street()
