"""The demo community: a fictional street of Chuzhou (滁州), loaded by `gongzhi demo`.

`load_demo` is the service; `format_result` turns its result into the printed login block.
"""

from gongzhi.org.demo.loader import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_STREET_CODE,
    LOGINS,
    REPORTERS,
    STEPS,
    DemoContext,
    DemoLogin,
    DemoResult,
    load_demo,
)
from gongzhi.org.demo.report import format_result

__all__ = [
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_STREET_CODE",
    "LOGINS",
    "REPORTERS",
    "STEPS",
    "DemoContext",
    "DemoLogin",
    "DemoResult",
    "format_result",
    "load_demo",
]
