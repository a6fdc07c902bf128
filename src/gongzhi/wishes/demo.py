"""Demo micro-wishes (a step of the demo loader, org/demo/loader.py).

`add_wishes` writes a few dozen wishes of residents of the demo community and village, in every
state, over the two months before the demo's reference date (that of the appeal history:
2026-09-01, or moved forward by whole weeks when loaded later), claimed by Party
members of the same community, in bulk, with their timelines and ONE AuditEvent
("wishes.demo"). It draws only from `ctx.rng`, so a seed gives the same wishes.

The demo's Party-member login (registered with grid 1's branch, 双报到) finds open wishes of its
community on the wall, and has claimed a few itself; the resident login has wishes of its own.
Most wishes of older residents were entered by their grid worker (代办).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

from gongzhi.accounts.models import User
from gongzhi.appeals.demo_history import reference_of
from gongzhi.core import audit
from gongzhi.org.models import PartyMember, Region
from gongzhi.wishes.models import Category, EventKind, Wish, WishEvent
from gongzhi.wishes.states import State

if TYPE_CHECKING:
    from gongzhi.org.demo.loader import DemoContext, ResidentRow

AUDIT_ACTION = "wishes.demo"
URBAN_WISHES = 28
VILLAGE_WISHES = 10
# How many wishes end in each state, in the community (the village gets the same mix, scaled).
STATE_MIX = (
    (State.POSTED, 9),
    (State.CLAIMED, 5),
    (State.FULFILLED, 3),
    (State.CONFIRMED, 9),
    (State.WITHDRAWN, 2),
)

TITLES: dict[str, tuple[str, ...]] = {
    Category.DAILY_GOODS: (
        "想要一台收音机听戏",
        "冬天需要一床厚棉被",
        "想要一个带扶手的小凳子",
        "需要一个电热水壶",
        "想要一副老花镜",
    ),
    Category.STUDY_HELP: (
        "孙子数学跟不上，想找人辅导",
        "想学用智能手机视频通话",
        "孩子想要几本课外书",
        "想学会用手机挂号",
    ),
    Category.COMPANIONSHIP: (
        "想有人周末陪我聊聊天",
        "想去公园看看荷花，需要有人陪同",
        "老伴住院，想有人陪我去探望",
    ),
    Category.REPAIR: (
        "厨房水龙头一直滴水",
        "家里灯泡坏了换不了",
        "轮椅刹车不灵了",
        "窗户关不严，想修一修",
    ),
    Category.HEALTH: (
        "想有人陪我去医院复查",
        "需要帮忙量血压、讲讲用药",
    ),
    Category.ERRANDS: (
        "腿脚不便，想请人代买米面油",
        "想请人帮忙去银行办业务",
        "需要有人帮忙取药",
    ),
}
FULFIL_NOTES = (
    "已送到家中，老人很满意",
    "周六上午上门完成",
    "已陪同前往，顺利办完",
    "已修好，试用正常",
    "已辅导两次，约好每周一次",
)
THANKS = (
    "谢谢党员同志，心里暖暖的！",
    "感谢社区和好心人，帮了大忙。",
    "太感谢了，下次我也想帮帮别人。",
    "谢谢你们，共产党员就是好！",
    "感谢网格员和志愿者的热心帮助。",
    "",
)
RELEASE_REASONS = ("临时出差，交给其他党员", "时间冲突，无法按时完成")
WITHDRAW_REASONS = ("家人已经帮忙解决了", "暂时不需要了")


def _wishers(ctx: DemoContext, village: bool, count: int, members: set[int]) -> list[ResidentRow]:
    """Mostly older residents (and those tagged as needing care), never a Party member."""
    rows = [
        r
        for r in ctx.residents
        if r.row.village == village and r.person.pk not in members and r.resident.age >= 8
    ]
    weights = [
        (3.0 if r.resident.age >= 70 else 1.5 if r.resident.age >= 60 else 0.5)
        + (2.0 if r.resident.tags else 0.0)
        for r in rows
    ]
    chosen: list[ResidentRow] = []
    seen: set[int] = set()
    while rows and len(chosen) < count and len(seen) < len(rows):
        r = ctx.rng.choices(rows, weights)[0]
        if id(r) in seen:
            continue
        seen.add(id(r))
        chosen.append(r)
    return chosen


def _mix(total: int, village: bool) -> list[State]:
    base = sum(n for _s, n in STATE_MIX)
    out: list[State] = []
    for state, n in STATE_MIX:
        out += [state] * max(1 if not village or state != State.WITHDRAWN else 0, n * total // base)
    return out[:total]


def add_wishes(ctx: DemoContext) -> None:
    """Demo step: a few dozen micro-wishes in the demo community and village."""
    rng = ctx.rng
    # The moment the appeal history ends (2026-09-01, or moved forward by whole weeks when the
    # demo is loaded later): open wishes are then a few days old when the demo is looked at.
    reference = reference_of(ctx.street)
    members = list(
        PartyMember.objects.filter(party_org__region__path__startswith=ctx.street.path).values_list(
            "person_id", "party_org__region__path"
        )
    )
    member_ids = {pid for pid, _p in members}
    login_people = {key: p.pk for key, p in ctx.people.items()}
    users = dict(
        User.objects.filter(person_id__in=login_people.values()).values_list("person_id", "id")
    )
    # Who entered a wish for a resident (代办): the grid worker where the worker has a demo
    # login (grid 1, village group 1), else the community's staff or the village secretary.
    poster_of_grid = {
        code: users[person.pk] for code, person in ctx.grid_workers.items() if person.pk in users
    }
    fallback = {
        False: users.get(login_people.get("staff", -1)),
        True: users.get(login_people.get("village_secretary", -1)),
    }
    party_pid = login_people.get("party")
    resident_pid = login_people.get("resident")
    wishes: list[Wish] = []
    plans: list[tuple[Wish, State, dt.datetime, int | None]] = []

    for village, place, total in (
        (False, ctx.community, URBAN_WISHES),
        (True, ctx.village, VILLAGE_WISHES),
    ):
        claimers = sorted(pid for pid, path in members if path.startswith(place.path))
        rows = _wishers(ctx, village, total, member_ids)
        if not village:  # the resident login has wishes of its own
            mine = [r for r in ctx.residents if r.person.pk == resident_pid]
            rows = mine + [r for r in rows if r.person.pk != resident_pid]
        mix = _mix(len(rows), village)
        if not claimers:
            mix = [State.POSTED if s != State.WITHDRAWN else s for s in mix]
        for i, (row, state) in enumerate(zip(rows, mix, strict=False)):
            category = rng.choice(list(TITLES))
            title = rng.choice(TITLES[category])
            # A whole life cycle takes at most about 15 days: it ends before the reference.
            days_ago = rng.randint(1, 14) if state == State.POSTED else rng.randint(16, 60)
            created = reference - dt.timedelta(days=days_ago, minutes=rng.randint(0, 600))
            proxy = row.resident.age >= 70 or rng.random() < 0.3
            claimer: int | None = None
            if state in (State.CLAIMED, State.FULFILLED, State.CONFIRMED):
                # The Party-member login claims the first claimed, fulfilled and confirmed wish.
                if (
                    not village
                    and party_pid is not None
                    and i < len(mix)
                    and (state not in {mix[j] for j in range(i)})
                ):
                    claimer = party_pid
                else:
                    claimer = rng.choice(claimers)
            wish = Wish(
                wisher=row.person,
                region=row.row.building,
                grid=row.row.grid,
                community=place,
                scope_path=row.row.building.path,
                title=title,
                description="",
                category=category,
                state=State.POSTED,
                posted_by_id=(
                    poster_of_grid.get(row.row.grid.code, fallback[village]) if proxy else None
                ),
                by_proxy=proxy,
                created_at=created,
                updated_at=created,
            )
            wishes.append(wish)
            plans.append((wish, state, created, claimer))

    events: list[WishEvent] = []
    for wish, state, created, claimer in plans:
        events.append(
            WishEvent(
                wish=wish,
                kind=EventKind.POSTED,
                actor_id=wish.posted_by_id,
                on_behalf_of=wish.wisher if wish.by_proxy else None,
                to_state=State.POSTED,
                created_at=created,
            )
        )
        t = created
        actor_of = users.get(claimer) if claimer else None
        if state == State.WITHDRAWN:
            t += dt.timedelta(hours=rng.randint(2, 72))
            wish.state = State.WITHDRAWN
            events.append(
                _event(
                    wish,
                    EventKind.WITHDRAWN,
                    State.POSTED,
                    State.WITHDRAWN,
                    t,
                    rng.choice(WITHDRAW_REASONS),
                    wish.posted_by_id,
                )
            )
        if claimer is None:
            wish.updated_at = t
            continue
        if rng.random() < 0.15:  # someone claimed it first and gave it back
            t += dt.timedelta(hours=rng.randint(1, 24))
            events.append(_event(wish, EventKind.CLAIMED, State.POSTED, State.CLAIMED, t, "", None))
            t += dt.timedelta(hours=rng.randint(1, 48))
            events.append(
                _event(
                    wish,
                    EventKind.RELEASED,
                    State.CLAIMED,
                    State.POSTED,
                    t,
                    rng.choice(RELEASE_REASONS),
                    None,
                )
            )
        t += dt.timedelta(hours=rng.randint(1, 48))
        wish.claimed_by_id = claimer
        wish.claimed_at = t
        wish.state = State.CLAIMED
        events.append(_event(wish, EventKind.CLAIMED, State.POSTED, State.CLAIMED, t, "", actor_of))
        if state in (State.FULFILLED, State.CONFIRMED):
            t += dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
            wish.fulfilled_at = t
            wish.fulfil_note = rng.choice(FULFIL_NOTES)
            wish.state = State.FULFILLED
            events.append(
                _event(
                    wish,
                    EventKind.FULFILLED,
                    State.CLAIMED,
                    State.FULFILLED,
                    t,
                    wish.fulfil_note,
                    actor_of,
                )
            )
        if state == State.CONFIRMED:
            t += dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 8))
            wish.confirmed_at = t
            wish.thanks = rng.choice(THANKS)
            wish.state = State.CONFIRMED
            events.append(
                _event(
                    wish,
                    EventKind.CONFIRMED,
                    State.FULFILLED,
                    State.CONFIRMED,
                    t,
                    wish.thanks,
                    wish.posted_by_id if wish.by_proxy else None,
                )
            )
        wish.updated_at = t

    Wish.objects.bulk_create(wishes, batch_size=500)
    for e in events:
        e.wish_id = e.wish.pk
    WishEvent.objects.bulk_create(events, batch_size=500)
    audit.record(
        actor=ctx.actor,
        action=AUDIT_ACTION,
        obj=ctx.street,
        scope_path=ctx.street.path,
        after={
            "wishes": len(wishes),
            "events": len(events),
            "states": dict(sorted(Counter(str(w.state) for w in wishes).items())),
        },
    )


def _event(
    wish: Wish,
    kind: str,
    source: State,
    target: State,
    at: dt.datetime,
    text: str,
    actor_id: int | None,
) -> WishEvent:
    return WishEvent(
        wish=wish,
        kind=kind,
        actor_id=actor_id,
        from_state=source,
        to_state=target,
        text=text,
        created_at=at,
    )


def report_wishes(street: Region) -> list[str]:
    """Demo reporter: one line on the micro-wishes (for org/demo/loader.py REPORTERS)."""
    states = Counter(
        Wish.objects.filter(scope_path__startswith=street.path).values_list("state", flat=True)
    )
    total = sum(states.values())
    if not total:
        return []
    return [
        f"微心愿 Micro-wishes: {total}, {states.get(State.POSTED, 0)} on the wall, "
        f"{states.get(State.CLAIMED, 0)} claimed, {states.get(State.FULFILLED, 0)} awaiting "
        f"confirmation, {states.get(State.CONFIRMED, 0)} confirmed with thanks"
    ]
