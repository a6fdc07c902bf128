"""The blank register template: header, one example row, drop-downs and the 说明 sheet."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import PermissionDenied
from gongzhi.org.register_io import REGISTER_ROLES, build_workbook, building_infos, general_notes
from gongzhi.org.scopes import scope_for

# The example row: its building code 示例 makes the importer skip it (see general_notes()).
EXAMPLE_ROW: tuple[Any, ...] = (
    "示例",
    "1",
    "101",
    89.5,
    "自有",
    "张三",
    "户主",
    "男",
    1980,
    "13800000000",
    "110105198001010016",
    "退役军人",
)


def build_template(*, actor: Any) -> bytes:
    """An .xlsx template listing the building codes in the actor's area."""
    if not scope_for(actor).has_any(REGISTER_ROLES):
        raise PermissionDenied(_("Only community staff and grid workers can use the register."))
    return build_workbook(
        rows=(),
        buildings=building_infos(actor, REGISTER_ROLES),
        notes=general_notes(),
        example=EXAMPLE_ROW,
    )
