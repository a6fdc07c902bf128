"""Every message of the web app has a Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

import gongzhi.web

PO = Path(gongzhi.web.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def untranslated(po: Path) -> list[str]:
    """msgids whose msgstr (or first plural form) is empty or that are marked fuzzy."""
    missing = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        ids = re.findall(r'^msgid "(.*)"$', block, flags=re.M)
        if not ids or (ids == [""] and 'msgstr ""\n"Project-Id' in block):
            continue  # the header
        msgid = "".join(re.findall(r'^(?:msgid )?"(.*)"$', block.split("msgstr")[0], re.M))
        strs = block.split("msgstr", 1)[1]
        text = "".join(re.findall(r'"(.*)"', strs.split("msgstr[1]")[0]))
        if not text or "#, fuzzy" in block:
            missing.append(msgid)
    return missing


def test_every_web_message_is_translated():
    assert PO.exists()
    assert untranslated(PO) == []
    assert PO.with_suffix(".mo").exists()
