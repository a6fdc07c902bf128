"""Project-wide pytest set-up. Tests use factories (org/tests/factories.py), not fixture files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the real default language (Simplified Chinese) and cannot leak
    another language into the next test, whatever it activated."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
