"""Project-wide pytest set-up. Tests use factories (org/tests/factories.py), not fixture files."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english_free_defaults(settings):  # type: ignore[no-untyped-def]
    """Tests run with the real default language (Simplified Chinese) and no lockout surprises."""
    settings.AXES_ENABLED = True
    return settings
