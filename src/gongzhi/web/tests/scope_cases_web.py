"""Scope-matrix cases for the web app's pages (see core/testing/scope_matrix.py)."""

from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase

CASES = [
    # Every role has a home page; none may show another community's (or grid's) data.
    UrlCase("web:home", allowed=EVERYONE, ok_status=frozenset({200})),
]
