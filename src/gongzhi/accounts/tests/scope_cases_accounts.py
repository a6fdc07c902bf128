"""Scope-matrix cases for logging in and out and changing one's password."""

from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase

CASES = [
    # Public: anonymous users see the form, logged-in users are sent home (302).
    UrlCase("accounts:login", allowed=EVERYONE, public=True),
    # POST only; logging out is allowed for everyone, logged in or not.
    UrlCase("accounts:logout", allowed=EVERYONE, public=True, method="POST"),
    UrlCase("accounts:password_change", allowed=EVERYONE, ok_status=frozenset({200})),
    # A mismatched confirmation re-renders the form (200) and changes nothing.
    UrlCase(
        "accounts:password_change",
        allowed=EVERYONE,
        method="POST",
        data=lambda w: {
            "old_password": "pass-1234-word",
            "new_password1": "a-new-pass-5678",
            "new_password2": "another-pass-9012",
        },
        ok_status=frozenset({200}),
    ),
]
