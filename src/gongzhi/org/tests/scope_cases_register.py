"""Scope cases for the household register pages (org/views_register.py)."""

from gongzhi.core.testing.scope_matrix import UrlCase
from gongzhi.org.models import Role

IMPORTERS = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.PLATFORM_ADMIN})
EXPORTERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.PLATFORM_ADMIN}
)

CASES = [
    UrlCase("org:register", allowed=IMPORTERS | EXPORTERS, ok_status=frozenset({200})),
    UrlCase("org:register_template", allowed=IMPORTERS | EXPORTERS, ok_status=frozenset({200})),
    UrlCase("org:register_export", allowed=EXPORTERS, ok_status=frozenset({200})),
    # Without a file the form re-renders (200) for those who may import.
    UrlCase(
        "org:register_import",
        allowed=IMPORTERS,
        method="POST",
        data=lambda w: {},
        ok_status=frozenset({200}),
    ),
]
