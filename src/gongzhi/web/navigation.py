"""The main navigation: which pages a person's roles lead to.

Each entry names a URL, a label and the roles that see it. Pages are added by several apps over
time, so an entry whose URL name does not resolve (the page does not exist yet) is skipped rather
than linked. An entry may need the actor's own object (their household, their home region): it
then lists candidate URL kwargs, tried in order, the first that reverses wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from gongzhi.org.models import Role
from gongzhi.org.scopes import (
    ACT_FOR_ROLES,
    AUDIT_ROLES,
    EXPORT_ROLES,
    IMPORT_ROLES,
    ROLE_MANAGER_ROLES,
    STAFF_ROLES,
    Scope,
)

KwargsFn = Callable[[Scope], dict[str, Any] | None]

EVERYONE = frozenset(Role.values)
ORG_ROLES = STAFF_ROLES | {Role.PLATFORM_ADMIN}


def _no_kwargs(scope: Scope) -> dict[str, Any] | None:
    return {}


def _home_region(scope: Scope) -> dict[str, Any] | None:
    """The root of the actor's staff area, as a region pk."""
    path = scope.narrowest_staff_path()
    if not path:
        return None
    return {"pk": int(path.strip("/").split("/")[-1])}


def _region_at(depth: int, roles: frozenset[str]) -> KwargsFn:
    """The region at `depth` (0 street, 1 community) above the actor's first root reached
    through `roles`: e.g. the community of a secretary, the street of a supervisor."""

    def make(scope: Scope) -> dict[str, Any] | None:
        for root in scope.paths(roles):
            ids = [int(p) for p in root.strip("/").split("/") if p]
            if len(ids) == depth + 1:
                return {"pk": ids[depth]}
        return None

    return make


COMMUNITY_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})
INBOX_ROLES = STAFF_ROLES | {Role.PARTNER_HANDLER}
RANKING_ROLES = COMMUNITY_ROLES | {Role.STREET_SUPERVISOR}


def _own_household(scope: Scope) -> dict[str, Any] | None:
    return {"pk": scope.household_id} if scope.household_id is not None else None


def _own_person(scope: Scope) -> dict[str, Any] | None:
    return {"pk": scope.person_id} if scope.person_id is not None else None


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str]
    kwargs: tuple[KwargsFn, ...] = field(default=(_no_kwargs,))


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: str | Promise
    url: str


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("web:home", pgettext_lazy("navigation", "Home"), EVERYONE),
    NavItem(
        "org:household",
        pgettext_lazy("navigation", "My household"),
        frozenset({Role.RESIDENT}),
        (_own_household,),
    ),
    NavItem(
        "org:person",
        pgettext_lazy("navigation", "My details"),
        frozenset({Role.RESIDENT}),
        (_own_person,),
    ),
    # Appeals (诉求) and micro-wishes (微心愿): residents first, then the staff's work.
    NavItem("appeals:mine", pgettext_lazy("navigation", "My appeals"), frozenset({Role.RESIDENT})),
    NavItem(
        "appeals:new", pgettext_lazy("navigation", "Report a problem"), frozenset({Role.RESIDENT})
    ),
    NavItem(
        "wishes:wall",
        pgettext_lazy("navigation", "Micro-wishes"),
        frozenset({Role.RESIDENT, Role.PARTY_MEMBER}),
    ),
    NavItem("appeals:inbox", pgettext_lazy("navigation", "Appeals inbox"), INBOX_ROLES),
    NavItem("appeals:proxy_new", pgettext_lazy("navigation", "File for a resident"), ACT_FOR_ROLES),
    NavItem(
        "appeals:community",
        pgettext_lazy("navigation", "Community appeals"),
        COMMUNITY_ROLES,
        (_region_at(1, COMMUNITY_ROLES),),
    ),
    NavItem(
        "appeals:street",
        pgettext_lazy("navigation", "Street appeals"),
        frozenset({Role.STREET_SUPERVISOR}),
        (
            _region_at(0, frozenset({Role.STREET_SUPERVISOR})),
            _region_at(0, frozenset({Role.PLATFORM_ADMIN})),
        ),
    ),
    NavItem("appeals:ranking", pgettext_lazy("navigation", "Three rates ranking"), RANKING_ROLES),
    NavItem("insights:dashboard", pgettext_lazy("navigation", "Dashboard"), STAFF_ROLES),
    NavItem("appeals:notifications", pgettext_lazy("navigation", "Notifications"), EVERYONE),
    NavItem(
        "org:region", pgettext_lazy("navigation", "Area"), ORG_ROLES, (_no_kwargs, _home_region)
    ),
    NavItem(
        "org:register",
        pgettext_lazy("navigation", "Household register"),
        IMPORT_ROLES | EXPORT_ROLES,
    ),
    NavItem(
        "org:party",
        pgettext_lazy("navigation", "Party organisation"),
        ORG_ROLES | {Role.PARTY_MEMBER},
    ),
    NavItem(
        "org:partners",
        pgettext_lazy("navigation", "Partner units"),
        ORG_ROLES | {Role.PARTNER_HANDLER},
    ),
    NavItem("core:calendar", pgettext_lazy("navigation", "Working-day calendar"), ORG_ROLES),
    NavItem("core:audit", pgettext_lazy("navigation", "Audit log"), AUDIT_ROLES),
    NavItem(
        "org:roles",
        pgettext_lazy("navigation", "Roles"),
        ROLE_MANAGER_ROLES | {Role.PLATFORM_ADMIN},
    ),
    NavItem(
        "admin:index",
        pgettext_lazy("navigation", "Administration"),
        frozenset({Role.PLATFORM_ADMIN}),
    ),
)


def try_reverse(url_name: str, kwargs: dict[str, Any] | None = None) -> str | None:
    """The URL for a name, or None when no such page exists (yet) for these kwargs."""
    try:
        return reverse(url_name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def links_for(scope: Scope, items: Iterable[NavItem] = NAVIGATION) -> list[NavLink]:
    """The entries this actor's roles lead to, for pages that exist."""
    if scope.user_id is None:
        return []
    links: list[NavLink] = []
    for item in items:
        if not scope.has_any(item.roles):  # a platform administrator sees all
            continue
        for make_kwargs in item.kwargs:
            kwargs = make_kwargs(scope)
            if kwargs is None:
                continue
            url = try_reverse(item.url_name, kwargs)
            if url is not None:
                links.append(NavLink(item.url_name, item.label, url))
                break
    return links
