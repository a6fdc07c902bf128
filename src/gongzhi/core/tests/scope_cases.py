from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase
from gongzhi.org.models import Role

CASES = [
    UrlCase("healthz", allowed=EVERYONE, public=True),
    UrlCase(
        "set_language",
        allowed=EVERYONE,
        public=True,
        method="POST",
        data=lambda w: {"language": "en", "next": "/"},
    ),
    UrlCase("admin:index", allowed=frozenset({Role.PLATFORM_ADMIN}), ok_status=frozenset({200})),
]
