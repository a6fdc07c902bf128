"""Fixtures for the wishes tests."""

from __future__ import annotations

import pytest

from gongzhi.wishes.tests.factories import build_world


@pytest.fixture
def world(db):
    return build_world()
