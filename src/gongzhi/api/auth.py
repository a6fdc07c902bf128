"""The two ways into the API: a browser session, or a personal token in `Authorization: Bearer`.

Every operation accepts both (`AUTH`). The token is tried first: a script sends no cookie, and a
request that carries a valid token needs no CSRF check (a browser cannot add the header to a
cross-site request). A session is checked for CSRF on unsafe methods, as Django does for forms.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from ninja.utils import check_csrf

from gongzhi.api.services import authenticate_api_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gz_…`: a personal API token (see api/services.py)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = authenticate_api_token(secret=token.strip())
        if user is not None:
            # What the rest of Django (logging, audit helpers) expects to find.
            request.user = user
        return user


class SessionCsrfAuth(SessionAuth):
    """Django's session login; unsafe methods must carry the CSRF token.

    Unlike ninja's own SessionAuth, an anonymous request is told it is not logged in (401)
    rather than that its CSRF token is missing (403).
    """

    def __call__(self, request: HttpRequest) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        unsafe = request.method not in SAFE_METHODS
        if unsafe and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return user


token_auth = TokenAuth()
session_auth = SessionCsrfAuth(csrf=True)
AUTH = [token_auth, session_auth]
