"""Every message of the accounts app has a Simplified Chinese translation."""

from __future__ import annotations

from pathlib import Path

import gongzhi.accounts
from gongzhi.web.tests.test_translations import untranslated

PO = Path(gongzhi.accounts.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_accounts_message_is_translated():
    assert PO.exists()
    assert untranslated(PO) == []
    assert PO.with_suffix(".mo").exists()
