"""Everything a person sees of micro-wishes, filtered by their place in the organisation.

Who sees what:
- the wall (open wishes): a Party member sees their communities' walls (the community of their
  Party organisation, of any Party-member role and of their home: 双报到 members are registered
  with their home grid's branch); a resident (anyone with a household) their own community's
  wall; staff (grid worker up to street supervisor) the wishes in their area.
- a wish's page: its wisher and its claimer; staff in their area; Party members of its
  community (to decide whether to claim it, and to see that someone else already has).
- the thanks wall: confirmed wishes of the same communities, with no personal data: the grid's
  name and masked names ("王**") only.

There is no volunteer register yet: "volunteers" here are Party members (a PartyMember row or a
Party-member role). A volunteers app adds its people in `viewer()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import NotFound
from gongzhi.org.models import PartyMember, Person, Region, RegionKind, Role
from gongzhi.org.scopes import ACT_FOR_ROLES, STAFF_ROLES, Scope, scope_for
from gongzhi.wishes import states
from gongzhi.wishes.models import Category, Wish, WishEvent
from gongzhi.wishes.states import Actor, State

# Staff who see the wishes of their area (and may open them).
VIEW_ROLES = STAFF_ROLES | {Role.PLATFORM_ADMIN}
COMMUNITY_KINDS = (RegionKind.COMMUNITY, RegionKind.VILLAGE)
NOTHING = Q(pk__in=[])


def _ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p.isdigit()]


def communities_of(paths: list[str]) -> dict[str, int]:
    """path -> the id of the community (or village) at or above it, for each path under one."""
    wanted = {i for p in paths for i in _ids(p)}
    if not wanted:
        return {}
    found = set(
        Region.objects.filter(pk__in=wanted, kind__in=COMMUNITY_KINDS).values_list("pk", flat=True)
    )
    out: dict[str, int] = {}
    for p in paths:
        hit = [i for i in _ids(p) if i in found]
        if hit:
            out[p] = hit[-1]
    return out


@dataclass(frozen=True)
class Viewer:
    """What the wishes pages need to know about the person looking, computed once a request."""

    scope: Scope
    person_id: int | None
    volunteer_in: frozenset[int]  # communities where they may claim (Party member)
    resident_in: frozenset[int]  # their home community, when they have a household

    @property
    def is_volunteer(self) -> bool:
        return bool(self.volunteer_in)

    @property
    def wall_communities(self) -> frozenset[int]:
        return self.volunteer_in | self.resident_in

    def staff_q(self, roles: frozenset[str] = VIEW_ROLES) -> Q:
        if not self.scope.has_any(roles):
            return NOTHING
        return self.scope.q("scope_path", roles)

    def sees_whole_area(self) -> bool:
        return self.scope.is_admin

    def actors_for(self, wish: Wish) -> frozenset[Actor]:
        """What the viewer is to this wish (several at once: a grid worker may be a claimer)."""
        out: set[Actor] = set()
        pid = self.person_id
        if pid is not None and wish.wisher_id == pid:
            out.add(Actor.WISHER)
        if pid is not None and wish.claimed_by_id == pid:
            out.add(Actor.CLAIMER)
        if self.scope.covers(wish.scope_path, ACT_FOR_ROLES):
            out.add(Actor.STAFF)
        if pid is not None and wish.wisher_id != pid and wish.community_id in self.volunteer_in:
            out.add(Actor.VOLUNTEER)
        return frozenset(out)


def viewer(actor: Any) -> Viewer:
    """The viewer for a login, memoised on the user object for the request."""
    cached: Viewer | None = getattr(actor, "_gongzhi_wish_viewer", None)
    if cached is not None:
        return cached
    scope = scope_for(actor)
    volunteer: frozenset[int] = frozenset()
    resident: frozenset[int] = frozenset()
    if scope.person_id is not None:
        party_paths = [g.path for g in scope.grants if g.role == Role.PARTY_MEMBER]
        party_paths += list(
            PartyMember.objects.filter(person_id=scope.person_id).values_list(
                "party_org__region__path", flat=True
            )
        )
        if party_paths and scope.home_path:
            party_paths.append(scope.home_path)
        homes = [scope.home_path] if scope.household_id is not None and scope.home_path else []
        found = communities_of([*party_paths, *homes])
        volunteer = frozenset(found[p] for p in party_paths if p in found)
        resident = frozenset(found[p] for p in homes if p in found)
    out = Viewer(
        scope=scope, person_id=scope.person_id, volunteer_in=volunteer, resident_in=resident
    )
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor._gongzhi_wish_viewer = out
    return out


# --- querysets -------------------------------------------------------------------------------


def _wall_q(v: Viewer) -> Q | None:
    """None for everything (platform admin)."""
    if v.sees_whole_area():
        return None
    q = v.staff_q()
    if v.wall_communities:
        q = q | Q(community_id__in=sorted(v.wall_communities))
    return q


def wall(actor: Any, *, category: str = "") -> QuerySet[Wish]:
    """Open wishes the actor's wall shows, newest first."""
    v = viewer(actor)
    qs = Wish.objects.filter(state=State.POSTED)
    q = _wall_q(v)
    if q is not None:
        qs = qs.filter(q)
    if category in Category.values:
        qs = qs.filter(category=category)
    return qs.select_related("wisher", "grid", "community").order_by("-created_at", "-id")


def wishes_visible(actor: Any) -> QuerySet[Wish]:
    """The wishes whose page the actor may open."""
    v = viewer(actor)
    if v.sees_whole_area():
        return Wish.objects.all()
    q = v.staff_q()
    if v.person_id is not None:
        q = q | Q(wisher_id=v.person_id) | Q(claimed_by_id=v.person_id)
    if v.volunteer_in:
        q = q | Q(community_id__in=sorted(v.volunteer_in))
    return Wish.objects.filter(q)


def get_wish(actor: Any, pk: int | Wish) -> Wish:
    key = pk.pk if isinstance(pk, Wish) else pk
    wish = (
        wishes_visible(actor)
        .filter(pk=key)
        .select_related("wisher", "claimed_by", "grid", "community", "region", "posted_by")
        .first()
    )
    if wish is None:
        raise NotFound(_("No such wish in your area."))
    return wish


def mine(actor: Any) -> QuerySet[Wish]:
    """The actor's own wishes, every state, newest first."""
    v = viewer(actor)
    if v.person_id is None:
        return Wish.objects.none()
    return (
        Wish.objects.filter(wisher_id=v.person_id)
        .select_related("grid", "claimed_by")
        .order_by("-created_at", "-id")
    )


def claimed_by_me(actor: Any) -> QuerySet[Wish]:
    """Wishes the actor claimed (still claimed or fulfilled first, then done)."""
    v = viewer(actor)
    if v.person_id is None:
        return Wish.objects.none()
    return (
        Wish.objects.filter(claimed_by_id=v.person_id)
        .select_related("grid", "wisher")
        .order_by("-claimed_at", "-id")
    )


def timeline(wish: Wish) -> QuerySet[WishEvent]:
    return wish.events.select_related("actor").order_by("created_at", "id")


def thanks(actor: Any) -> QuerySet[Wish]:
    """Confirmed wishes of the actor's communities (or area), newest first."""
    v = viewer(actor)
    qs = Wish.objects.filter(state=State.CONFIRMED)
    q = _wall_q(v)
    if q is not None:
        qs = qs.filter(q)
    return qs.select_related("wisher", "claimed_by", "grid", "community").order_by(
        "-confirmed_at", "-id"
    )


def find_resident(actor: Any, text: str) -> Person:
    """The one resident in the actor's area (代办 roles) with this mobile, ID number or name."""
    from gongzhi.core.validators import normalise_phone

    scope = scope_for(actor)
    text = text.strip()
    if not text or not scope.has_any(ACT_FOR_ROLES):
        raise NotFound(_("No resident in your area has this mobile number, ID number or name."))
    people = Person.objects.filter(household__isnull=False)
    if not scope.is_admin:
        people = people.filter(scope.q("region__path", ACT_FOR_ROLES))
    phone = normalise_phone(text)
    q = Q(id_number=text.upper()[:18]) | Q(name=text[:50])
    if phone:
        q |= Q(phone=phone)
    found = list(people.filter(q).select_related("region").order_by("id")[:2])
    if not found:
        raise NotFound(_("No resident in your area has this mobile number, ID number or name."))
    if len(found) > 1:
        raise NotFound(_("Several residents match; enter the mobile number or ID number instead."))
    return found[0]


# --- what the pages show ---------------------------------------------------------------------


def mask_public(name: str) -> str:
    """王** / 李*: the surname and one star for every other character."""
    value = name.strip()
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


@dataclass(frozen=True)
class WishCard:
    pk: int
    title: str
    description: str
    category: str
    place: str
    wisher: str  # masked unless the viewer is the wisher, the claimer or staff over it
    state: str
    state_label: str
    created_at: datetime
    can_open: bool
    can_claim: bool


def _place(wish: Wish) -> str:
    if wish.grid is not None:
        return f"{wish.community.name} · {wish.grid.name}"
    return wish.community.name


def card(actor: Any, wish: Wish) -> WishCard:
    v = viewer(actor)
    actors = v.actors_for(wish)
    staff = v.scope.covers(wish.scope_path, VIEW_ROLES)
    full = staff or Actor.WISHER in actors or Actor.CLAIMER in actors
    can_open = full or Actor.VOLUNTEER in actors
    return WishCard(
        pk=wish.pk,
        title=wish.title,
        description=wish.description,
        category=wish.get_category_display() if wish.category else "",
        place=_place(wish),
        wisher=wish.wisher.name if full else mask_public(wish.wisher.name),
        state=wish.state,
        state_label=wish.state_label,
        created_at=wish.created_at,
        can_open=can_open,
        can_claim="claim" in states.allowed(wish.state, actors),
    )


@dataclass(frozen=True)
class ThanksCard:
    """A public thank-you: no names, phones or addresses; the grid and masked names only."""

    title: str
    category: str
    place: str
    wisher: str
    claimer: str
    thanks: str
    confirmed_at: datetime | None


def thanks_card(wish: Wish) -> ThanksCard:
    return ThanksCard(
        title=wish.title,
        category=wish.get_category_display() if wish.category else "",
        place=_place(wish),
        wisher=mask_public(wish.wisher.name),
        claimer=mask_public(wish.claimed_by.name) if wish.claimed_by else "",
        thanks=wish.thanks,
        confirmed_at=wish.confirmed_at,
    )
