"""Two years of appeal history for the demo community (a step of org/demo/loader.py).

`add_appeal_history` installs the default categories, deadline rules and responsibility lists,
then writes about 20,000 appeals (at scale 1.0) submitted over the two years before the demo's
fixed reference date, with their timelines and ratings, in bulk and in one transaction (the
demo's), recorded by ONE AuditEvent ("appeals.demo_history"). Deterministic for a seed.

What it looks like: seasonal volume (water, power and heating in winter and summer; rubbish,
smells and pests in summer; a dip around the Spring Festival; quieter weekends), texts from
templates per category naming the resident's estate and building, mixed channels (residents
of 70 and over mostly through the service desk, home visits or the phone: 代办), a few
outbreaks (a week of water outages in one grid, a heating failure, broken lifts) with many
near-duplicates, some merged; life cycles mostly on time, a minority late; most closed and
rated, a few dissatisfied and reopened once, some awaiting a rating, some still open (a few
overdue and escalated), some rejected.

Open appeals are open at the reference date (not at today's date): the deadline sweeps will
catch up with them when they first run, as they would after a long outage.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from gongzhi.accounts.models import User
from gongzhi.appeals import intake, rates, services_config, sla
from gongzhi.appeals.config import AppealsConfig, CategoryInfo, load_config
from gongzhi.appeals.models import (
    Alarm,
    Appeal,
    AppealEvent,
    CategorySource,
    Channel,
    EventKind,
    FollowUpChannel,
    Rating,
    RatingSource,
    RatingValue,
    Urgency,
)
from gongzhi.appeals.routing import locate, route_owner
from gongzhi.appeals.services import reserve_numbers
from gongzhi.appeals.states import OPEN, State
from gongzhi.core import audit
from gongzhi.core.calendar import SHANGHAI, get_calendar
from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Region

if TYPE_CHECKING:
    from gongzhi.org.demo.loader import DemoContext, ResidentRow

# The demo's fixed reference date (people.ANCHOR, 2026-09-01), at 09:00 in Shanghai.
REFERENCE = dt.datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI)
DAYS = 730
START = REFERENCE - dt.timedelta(days=DAYS)
DAILY = 27.0  # mean appeals a day at scale 1.0, before the season and the outbreaks
AUTO_CLOSE_DAYS = 7
BATCH = 1000
AUDIT_ACTION = "appeals.demo_history"
SPRING_FESTIVALS = tuple(
    dt.date(*d) for d in ((2025, 1, 29), (2026, 2, 17), (2027, 2, 6), (2028, 1, 26), (2029, 2, 13))
)

# category code -> (base weight, {month: factor}); months absent have factor 1.
WINTER = (12, 1, 2)
SUMMER = (6, 7, 8)


def _months(months: Sequence[int], factor: float) -> dict[int, float]:
    return dict.fromkeys(months, factor)


HEATING_SEASON = {11: 1.0, 12: 1.0, 1: 1.0, 2: 1.0, 3: 0.5}
SEASONS: dict[str, tuple[float, dict[int, float]]] = {
    "utilities.water": (6, {**_months(SUMMER, 1.7), **_months(WINTER, 1.5)}),
    "utilities.power": (4, {**_months(SUMMER, 1.9), **_months(WINTER, 1.4)}),
    "utilities.gas": (2, _months(WINTER, 1.6)),
    "utilities.heating": (0.15, {m: 40 * f for m, f in HEATING_SEASON.items()}),
    "sanitation.garbage": (6, _months(SUMMER, 1.5)),
    "sanitation.greening": (2, _months((4, 5, 6), 1.4)),
    "sanitation.pollution": (2, _months(SUMMER, 2.0)),
    "sanitation.pests": (1.5, {**_months(SUMMER, 3.0), 5: 1.8, 9: 1.6}),
    "municipal.road": (3, {}),
    "municipal.light": (3, _months((11, 12, 1), 1.4)),
    "municipal.drain": (2, {**_months(SUMMER, 2.8), 5: 1.5}),
    "municipal.facility": (2, {}),
    "property.repair": (6, {}),
    "property.elevator": (3, {}),
    "property.parking": (4, {}),
    "property.service": (3, {}),
    "dispute.noise": (4, _months(SUMMER, 1.5)),
    "dispute.leak": (3, _months(SUMMER, 1.4)),
    "dispute.pets": (2, {}),
    "dispute.other": (2, {}),
    "safety.hazard": (2, {}),
    "safety.fire_lane": (2, {}),
    "safety.ebike": (2, {}),
    "safety.order": (1, {}),
    "livelihood.elderly": (2, _months(WINTER, 1.3)),
    "livelihood.welfare": (2, {}),
    "livelihood.certificate": (2, {}),
    "livelihood.employment": (1, {2: 1.6, 3: 1.6}),
    "other.general": (1, {}),
}

# Templates per category: "{b}" the building (or village house), "{a}" the address.
TEXTS: dict[str, tuple[str, ...]] = {
    "utilities.water": (
        "{b}从早上开始停水，到现在还没来水，家里老人做饭都成问题，请尽快处理。",
        "{a}水压很低，楼上几户基本没水，请查看一下二次供水泵房。",
        "{b}自来水发黄有异味，不敢喝，希望检测一下水质。",
        "{b}楼下水管爆裂，水流了一地，请赶紧派人关阀维修。",
    ),
    "utilities.power": (
        "{b}整栋楼停电两个小时了，没有任何通知，冰箱里的东西都要坏了。",
        "{a}家里经常跳闸，电压不稳，空调开不起来，请供电所来看看。",
        "{b}楼道电表箱有烧焦的味道，担心出事，请尽快检查。",
    ),
    "utilities.gas": (
        "{a}燃气灶点不着火，燃气表显示有余额，请燃气公司上门检查。",
        "{b}楼道里闻到煤气味，不知道哪里漏气，请马上派人来查。",
    ),
    "utilities.heating": (
        "{a}暖气片不热，室内只有十四五度，家里有老人和孩子，请尽快处理。",
        "{b}今年供暖以来一直不热，暖气片上凉下热，请安排排气维修。",
        "{b}整个单元暖气都不热，已经好几天了，请供热公司来看看。",
    ),
    "sanitation.garbage": (
        "{b}门口的垃圾桶两天没清运了，味道很大，招苍蝇。",
        "{b}楼下有人乱堆装修垃圾，堵住了通道，请物业清理。",
        "{b}旁边的垃圾分类点满溢，没人管，希望增加清运次数。",
    ),
    "sanitation.greening": (
        "{b}楼前的树枝太长，挡住了低层住户的窗户，请修剪一下。",
        "{b}旁边的绿地被人种菜，破坏绿化，请处理。",
    ),
    "sanitation.pollution": (
        "{b}附近的餐馆油烟直排，晚上窗户都不敢开，请环保部门处理。",
        "{b}旁边的排污沟臭味很重，夏天更严重，请清理。",
        "{b}附近夜里有工地施工，噪音和扬尘很大，影响休息。",
    ),
    "sanitation.pests": (
        "{b}地下室和楼道老鼠很多，晚上到处跑，请安排灭鼠。",
        "{b}楼下积水处蚊子特别多，孩子被咬得满身包，请消杀。",
        "{b}垃圾房附近蟑螂成群，希望物业尽快消杀。",
    ),
    "municipal.road": (
        "{b}门口的路面有一个大坑，下雨积水，老人走路容易摔倒。",
        "{b}旁边人行道的地砖松动翘起，晚上看不清容易绊倒。",
    ),
    "municipal.light": (
        "{b}门口的路灯坏了一个多星期，晚上一片漆黑，不安全。",
        "{b}楼道灯不亮，老人上下楼看不见台阶，请维修。",
    ),
    "municipal.drain": (
        "{b}门口的下水道堵了，一下雨就积水，进出都要蹚水。",
        "{b}旁边的井盖松动，车一压就响，还怕有人踩空。",
        "{b}化粪池满了往外返水，臭味很大，请尽快清掏。",
    ),
    "municipal.facility": (
        "{b}旁边的健身器材坏了，螺丝松动，孩子玩有危险。",
        "{b}附近的公共座椅损坏，希望修一下，老人没地方歇脚。",
    ),
    "property.repair": (
        "{a}楼顶漏水，下雨天屋里墙面渗水发霉，请物业维修。",
        "{b}单元门的门禁坏了，谁都能进来，请尽快修好。",
        "{b}外墙瓷砖脱落，掉下来会砸到人，请处理。",
    ),
    "property.elevator": (
        "{b}电梯又坏了，家里老人住高层下不了楼，请尽快修复。",
        "{b}电梯运行时有异响，还突然停过一次，担心安全，请检修。",
    ),
    "property.parking": (
        "{b}楼下总有外来车辆乱停，占了消防通道和车位，请管理。",
        "{b}小区停车位太少，晚上回来没地方停，希望规划一些车位。",
    ),
    "property.service": (
        "{b}物业保洁很久没打扫楼道了，扶手都是灰，希望改进服务。",
        "{b}物业费收了但服务跟不上，反映问题总是没人回复。",
    ),
    "dispute.noise": (
        "{a}楼上每天晚上十一点以后还在拖椅子、跳，影响休息，协商无果。",
        "{b}附近的广场舞音响开得太大，晚上九点以后还在跳，请协调。",
        "{a}隔壁装修周末一大早就开始打钻，请按规定时间施工。",
    ),
    "dispute.leak": (
        "{a}楼上卫生间漏水渗到我家天花板，找过楼上几次没解决，请调解。",
        "{a}我家厨房顶上一直滴水，楼上不让进门检查，请帮忙协调。",
    ),
    "dispute.pets": (
        "{b}有人遛狗不拴绳，狗冲着孩子叫，很危险，请管理。",
        "{b}楼道里经常有狗屎没人清理，请提醒养犬户文明养犬。",
    ),
    "dispute.other": (
        "{b}邻居在楼道堆放杂物占用公共空间，沟通无效，请社区调解。",
        "{a}和邻居因为晾衣服滴水的问题有矛盾，希望社区出面协调。",
    ),
    "safety.hazard": (
        "{b}楼道里有人私拉电线给电动车充电，存在火灾隐患。",
        "{b}旁边的围墙出现裂缝，有倒塌危险，请尽快排查。",
    ),
    "safety.fire_lane": (
        "{b}消防通道被车辆长期占用，万一着火消防车进不来。",
        "{b}楼道消防栓被杂物挡住，灭火器也过期了，请检查。",
    ),
    "safety.ebike": (
        "{b}有人把电动车推进楼道和电梯里充电，太危险了，请管理。",
        "{b}希望在楼下增加电动车集中充电桩，解决飞线充电问题。",
    ),
    "safety.order": (
        "{b}最近晚上有陌生人在楼下徘徊，希望加强巡逻。",
        "{b}附近有人聚集打牌喝酒到深夜，吵闹还乱扔酒瓶。",
    ),
    "livelihood.elderly": (
        "{a}家里老人八十多岁独居，希望社区能定期上门看看，帮忙助餐。",
        "{a}想给家里失能老人申请居家养老服务，请问怎么办理。",
    ),
    "livelihood.welfare": (
        "{a}家里困难，想咨询低保申请需要哪些材料。",
        "{a}残疾人补贴今年还没到账，请帮忙查一下。",
    ),
    "livelihood.certificate": (
        "想开具居住证明，{b}的住户需要带哪些材料到社区办理？",
        "{a}孩子上学需要开具证明，请问社区什么时候可以办理。",
    ),
    "livelihood.employment": (
        "{a}家里有人失业了，想了解社区有没有就业培训和招聘信息。",
        "{b}的几位居民想参加技能培训，请社区帮忙联系。",
    ),
    "other.general": (
        "建议在{b}附近增设一个快递柜，取快递太不方便了。",
        "{b}的居民希望社区多组织一些文化活动。",
    ),
}
OUTBREAK_TEXTS: dict[str, tuple[str, ...]] = {
    "utilities.water": (
        "{b}又停水了，已经连续好几天，到底什么时候能恢复供水？",
        "{b}停水第{n}天了，家里没法做饭洗澡，请给个准确的来水时间。",
        "{a}一直没水，物业说是管网问题，请尽快抢修。",
    ),
    "utilities.heating": (
        "{b}暖气突然不热了，整栋楼都一样，请供热公司抢修。",
        "{a}暖气停了{n}天，屋里太冷，老人孩子受不了。",
    ),
    "property.elevator": (
        "{b}电梯这周坏了{n}次，每次都要等很久才修好，请彻底检修。",
        "{b}电梯又停运了，高层老人完全下不了楼。",
    ),
}
REPLIES: dict[str, tuple[str, ...]] = {
    "utilities": (
        "已联系供应单位抢修，现已恢复，感谢您的反映。",
        "经查为管网故障，已维修完毕并恢复正常。",
    ),
    "default": (
        "已安排人员到现场处理，问题已解决，请您确认。",
        "已与相关单位沟通协调，问题已整改完毕。",
        "已上门了解情况并处理，后续将持续关注。",
    ),
    "livelihood": (
        "已电话告知办理流程和所需材料，并协助预约办理。",
        "网格员已上门了解情况，已按政策协助申请。",
    ),
}
REJECT_REASONS = (
    "属于民事合同纠纷，不在社区受理范围，已告知居民可通过法律途径解决。",
    "反映的地点不在本社区辖区，已告知居民向所属社区反映。",
    "同一问题已由有关部门依法作出处理，已向居民解释说明。",
)
DISSATISFIED = (
    "问题没有彻底解决，过几天又出现了。",
    "只是电话回复，没有人来现场看。",
    "处理太慢，等了很久。",
)


@dataclass(frozen=True)
class Outbreak:
    key: str
    category: str
    grid_index: int  # into ctx.grids
    start: dt.date
    days: int
    count: int  # appeals at scale 1.0
    merge_share: float


OUTBREAKS = (
    Outbreak("water", "utilities.water", 2, dt.date(2025, 7, 14), 7, 90, 0.6),
    Outbreak("heating", "utilities.heating", 4, dt.date(2025, 12, 8), 5, 45, 0.5),
    Outbreak("elevator", "property.elevator", 1, dt.date(2026, 3, 16), 10, 30, 0.3),
)


@dataclass
class Draft:
    """An appeal being written: the row, its events and ratings."""

    appeal: Appeal
    plan: intake.IntakePlan
    events: list[AppealEvent] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    master: Draft | None = None
    outbreak: str = ""


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _day_factor(day: dt.date) -> float:
    for festival in SPRING_FESTIVALS:
        offset = (day - festival).days
        if -4 <= offset <= 7:
            return 0.3
    return 0.7 if day.weekday() >= 5 else 1.0


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment of the day, mostly in waking hours."""
    hour = rng.choice((7, 8, 8, 9, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 20, 21, 22))
    return dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=SHANGHAI)


class History:
    def __init__(
        self,
        ctx: DemoContext,
        config: AppealsConfig,
        users: dict[int, int],
        reference: dt.datetime = REFERENCE,
    ) -> None:
        self.ctx = ctx
        self.reference = reference
        self.start = reference - dt.timedelta(days=DAYS)
        self.shift = reference - REFERENCE
        self.config = config
        self.rng = random.Random(ctx.seed * 7919 + 13)  # noqa: S311 - a demo, seeded
        self.users = users  # person id -> user id (the demo logins)
        self.drafts: list[Draft] = []
        self.outbreak_grids: dict[str, int] = {}
        self.calendar = get_calendar()
        self.names = {c.code: c.name for c in config.categories.values()}
        self.residents: list[ResidentRow] = ctx.residents
        self.by_grid: dict[int, list[ResidentRow]] = {}
        for r in self.residents:
            self.by_grid.setdefault(r.row.grid.pk, []).append(r)
        staff_user = users.get(ctx.people["staff"].pk)
        village_user = users.get(ctx.people["village_secretary"].pk)
        self.desk_user = {ctx.community.pk: staff_user, ctx.village.pk: village_user}
        # The partner unit whose handler has the demo login (the first one the loader adds).
        self.handler_unit = next((u.pk for u in ctx.partners.values()), None)

    def shifted(self, day: dt.date) -> dt.date:
        """A date of the fixed story (an outbreak's start) moved to this load's reference."""
        return day + dt.timedelta(days=self.shift.days)

    # --- intake ---

    def add(self, resident: ResidentRow, code: str, at: dt.datetime, text: str) -> Draft:
        rng = self.rng
        urgent = code.startswith("utilities") and rng.random() < 0.15
        plan = self.plan(
            text=text,
            title=f"{self.names[code]}：{resident.row.building.name}",
            code=code,
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            building_id=resident.row.building.pk,
            at=at,
        )
        person = resident.person
        age = resident.resident.age
        roll = rng.random()
        if age >= 70:
            channel = Channel.DESK if roll < 0.4 else Channel.VISIT if roll < 0.7 else Channel.PHONE
        elif roll < 0.55:
            channel = Channel.WEB
        elif roll < 0.72:
            channel = Channel.PHONE
        elif roll < 0.84:
            channel = Channel.API
        elif roll < 0.95:
            channel = Channel.DESK
        else:
            channel = Channel.VISIT
        proxy = channel in (Channel.DESK, Channel.VISIT, Channel.PHONE)
        if proxy:
            worker = self.config.grid_workers.get(plan.place.grid_id)
            entered_by = self.users.get(worker) if worker else None
            entered_by = entered_by or self.desk_user.get(plan.place.community_id)
        else:
            entered_by = self.users.get(person.pk)
        ref = (
            f"user:{entered_by}" if entered_by else ("token:demo" if channel == Channel.API else "")
        )
        appeal = intake.build_appeal(
            plan,
            number="",
            channel=channel,
            now=at,
            resident_id=person.pk,
            submitted_by_id=entered_by,
            by_proxy=proxy,
            submitter_ref=ref,
            anonymous=not proxy and rng.random() < 0.04,
            contact_name=person.name,
            contact_phone=person.phone,
        )
        draft = Draft(appeal, plan)
        draft.events.append(
            intake.build_first_event(
                appeal, plan, actor_id=entered_by, on_behalf_of_id=person.pk if proxy else None
            )
        )
        self.drafts.append(draft)
        return draft

    def plan(
        self, *, text: str, title: str, code: str, urgency: str, building_id: int, at: dt.datetime
    ) -> intake.IntakePlan:
        """intake.plan_intake for a known category and building, with the deadlines computed
        on one pinned working calendar: `calendar.deadline` re-reads the calendar's version
        stamp (two queries) on every call when its cache is off, as in tests."""
        category = self.config.categories_by_code[code]
        place = locate(self.config, building_id=building_id)
        return intake.IntakePlan(
            category=category,
            category_source=CategorySource.RESIDENT,
            suggestion=None,
            place=place,
            owner=route_owner(self.config, place, category),
            deadlines=self.deadlines(at, place.community_id, category, urgency),
            urgency=urgency,
            title=title,
            text=text,
        )

    def deadlines(
        self, start: dt.datetime, community_id: int, category: CategoryInfo, urgency: str
    ) -> sla.Deadlines:
        """sla.compute on the pinned calendar (same rule choice, same clamping)."""
        rule = sla.table_for(self.config).rule_for(
            community_id=community_id, category=category, urgency=urgency
        )
        cal = self.calendar
        resolve = cal.deadline(start, rule.resolve.amount, rule.resolve.unit).value
        contact = min(cal.deadline(start, rule.contact.amount, rule.contact.unit).value, resolve)
        sign = min(cal.deadline(start, rule.sign.amount, rule.sign.unit).value, contact)
        return sla.Deadlines(sign, contact, resolve, rule.id)

    def pick_resident(self, grid_id: int | None = None) -> ResidentRow:
        pool = self.by_grid.get(grid_id, self.residents) if grid_id else self.residents
        # Older residents raise more appeals.
        for _ in range(3):
            r = self.rng.choice(pool)
            if r.resident.age >= 18 and (r.resident.age >= 50 or self.rng.random() < 0.6):
                return r
        return r

    def text_for(self, code: str, resident: ResidentRow, templates: Sequence[str]) -> str:
        return self.rng.choice(templates).format(
            b=resident.row.building.name, a=resident.row.household.address, n=self.rng.randint(2, 5)
        )

    def seasonal(self) -> None:
        codes = [c for c in SEASONS if self.config.category(c) is not None]
        base_total = sum(SEASONS[c][0] for c in codes)
        scale = self.ctx.scale
        for offset in range(DAYS):
            day = (self.start + dt.timedelta(days=offset)).date()
            factor = _day_factor(day)
            for code in codes:
                weight, months = SEASONS[code]
                lam = DAILY * scale * factor * weight * months.get(day.month, 1.0) / base_total
                for _ in range(_poisson(self.rng, lam)):
                    resident = self.pick_resident()
                    at = _at(self.rng, day)
                    if at >= self.reference:
                        continue
                    self.add(resident, code, at, self.text_for(code, resident, TEXTS[code]))

    def outbreaks(self) -> None:
        for ob in OUTBREAKS:
            grids = self.ctx.grids
            if self.config.category(ob.category) is None or ob.grid_index >= len(grids):
                continue
            grid = grids[ob.grid_index]
            self.outbreak_grids[ob.key] = grid.pk
            n = max(8, round(ob.count * self.ctx.scale))
            drafts: list[Draft] = []
            for _ in range(n):
                # Most appeals in the first days of the outbreak.
                offset = min(int(self.rng.expovariate(0.5)), ob.days - 1)
                day = self.shifted(ob.start) + dt.timedelta(days=offset)
                resident = self.pick_resident(grid.pk)
                text = self.text_for(ob.category, resident, OUTBREAK_TEXTS[ob.category])
                draft = self.add(resident, ob.category, _at(self.rng, day), text)
                draft.outbreak = ob.key
                drafts.append(draft)
            # The first appeal of each day survives; many later ones that day merge into it.
            drafts.sort(key=lambda d: d.appeal.created_at)
            masters: dict[dt.date, Draft] = {}
            for draft in drafts:
                day = intake.local_day(draft.appeal.created_at)
                master = masters.setdefault(day, draft)
                if master is not draft and self.rng.random() < ob.merge_share:
                    draft.master = master

    # --- life cycles ---

    def live(self) -> None:
        self.drafts.sort(key=lambda d: d.appeal.created_at)
        for draft in self.drafts:
            if draft.master is None:
                self.cycle(draft, first=True)
        for draft in self.drafts:
            if draft.master is not None:
                self.merge(draft, draft.master)

    def _between(self, start: dt.datetime, due: dt.datetime, late_share: float) -> dt.datetime:
        span = max(due - start, dt.timedelta(minutes=10))
        if self.rng.random() < late_share:
            return due + span * self.rng.uniform(0.05, 0.8)
        return start + span * self.rng.uniform(0.08, 0.9)

    def _owner_user(self, a: Appeal) -> int | None:
        if a.assigned_person_id is not None:
            return self.users.get(a.assigned_person_id)
        if a.owner_partner_id is not None:
            handler = self.ctx.people.get("partner")
            if handler is not None and a.owner_partner_id == self.handler_unit:
                return self.users.get(handler.pk)
        return None

    def _event(
        self,
        d: Draft,
        kind: str,
        at: dt.datetime,
        frm: str,
        to: str,
        *,
        actor: int | None = None,
        text: str = "",
        data: dict[str, Any] | None = None,
        public: bool = True,
    ) -> None:
        d.events.append(
            AppealEvent(
                appeal=d.appeal,
                kind=kind,
                actor_id=actor,
                from_state=frm,
                to_state=to,
                public=public,
                text=text,
                data=data,
                created_at=at,
            )
        )

    def _stop_open(self, d: Draft, state: str) -> None:
        a = d.appeal
        a.state = state
        progress = sla.Progress.of(a)
        a.due_at = sla.due_at(progress)
        a.next_check_at = sla.next_alarm_at(progress)

    def cycle(self, d: Draft, *, first: bool) -> None:
        rng, a = self.rng, d.appeal
        start = a.cycle_started_at
        from_state = State.SUBMITTED if first else State.REOPENED
        owner = self._owner_user(a)
        if first and not d.outbreak and rng.random() < 0.025:
            at = start + dt.timedelta(hours=rng.uniform(1, 20))
            if at < self.reference:
                self._event(
                    d,
                    EventKind.REJECTED,
                    at,
                    from_state,
                    State.REJECTED,
                    actor=self.desk_user.get(a.community_id),
                    text=rng.choice(REJECT_REASONS),
                )
                a.state, a.closed_at, a.due_at, a.next_check_at = State.REJECTED, at, None, None
                a.result = d.events[-1].text
                return
        signed = self._between(start, a.sign_by, 0.06)
        if signed >= self.reference:
            return self._stop_open(d, from_state)
        a.signed_at, a.owner_person_id = signed, a.assigned_person_id
        self._event(d, EventKind.SIGNED_FOR, signed, from_state, State.SIGNED_FOR, actor=owner)
        contact = max(self._between(start, a.contact_by, 0.08), signed + dt.timedelta(minutes=5))
        if contact >= self.reference:
            return self._stop_open(d, State.SIGNED_FOR)
        a.first_contact_at = contact
        self._event(d, EventKind.STARTED, contact, State.SIGNED_FOR, State.IN_PROGRESS, actor=owner)
        stuck = first and self.reference - start < dt.timedelta(days=45) and rng.random() < 0.08
        replied = max(self._between(start, a.resolve_by, 0.1), contact + dt.timedelta(minutes=20))
        if stuck or replied >= self.reference:
            self._stop_open(d, State.IN_PROGRESS)
            if a.resolve_by < self.reference:  # overdue: warned at 70% and 90%, escalated on breach
                span = a.resolve_by - start
                for pct in (70, 90):
                    self._event(
                        d,
                        EventKind.WARNING,
                        start + span * pct / 100,
                        "",
                        "",
                        data={"deadline": "resolve", "percent": pct},
                        public=False,
                    )
                self._event(
                    d,
                    EventKind.ESCALATED,
                    a.resolve_by,
                    "",
                    "",
                    data={"deadline": "resolve", "level": 1},
                    public=False,
                )
                a.alarms = Alarm.RESOLVE_70 | Alarm.RESOLVE_90 | Alarm.RESOLVE_BREACH
                a.escalation_level = 1
                a.next_check_at = sla.next_alarm_at(sla.Progress.of(a))
            return None
        top = (self.config.categories[a.category_id].code or "").split(".")[0]
        a.replied_at, a.result = replied, rng.choice(REPLIES.get(top, REPLIES["default"]))
        self._event(
            d,
            EventKind.REPLIED,
            replied,
            State.IN_PROGRESS,
            State.REPLIED,
            actor=owner,
            text=a.result,
        )
        self.rate(d, replied, first=first)
        return None

    def rate(self, d: Draft, replied: dt.datetime, *, first: bool) -> None:
        rng, a = self.rng, d.appeal
        roll = rng.random()
        if roll < 0.1:  # nobody answers: closed unrated after AUTO_CLOSE_DAYS
            at = replied + dt.timedelta(days=AUTO_CLOSE_DAYS, hours=rng.uniform(0, 2))
            if at >= self.reference:
                return self._stop_open(d, State.REPLIED)
            self._event(
                d,
                EventKind.AUTO_CLOSED,
                at,
                State.REPLIED,
                State.CLOSED,
                data={"days": AUTO_CLOSE_DAYS},
            )
            a.state, a.closed_at, a.due_at, a.next_check_at = State.CLOSED, at, None, None
            return None
        at = replied + dt.timedelta(hours=rng.uniform(1, 100))
        if at >= self.reference:
            return self._stop_open(d, State.REPLIED)
        r = rng.random()
        # A dissatisfied first rating reopens the appeal; the second rating is final.
        shares = (0.74, 0.91) if first else (0.2, 0.45)
        value = (
            RatingValue.SATISFIED
            if r < shares[0]
            else RatingValue.BASICALLY
            if r < shares[1]
            else RatingValue.DISSATISFIED
        )
        online = a.channel in (Channel.WEB, Channel.API) and not a.by_proxy
        source = RatingSource.RESIDENT if online else RatingSource.FOLLOW_UP
        channel = (
            FollowUpChannel.WEB
            if online
            else rng.choice((FollowUpChannel.PHONE, FollowUpChannel.PHONE, FollowUpChannel.VISIT))
        )
        recorder = None if online else self.desk_user.get(a.community_id)
        comment = rng.choice(DISSATISFIED) if value == RatingValue.DISSATISFIED else ""
        d.ratings.append(
            Rating(
                appeal=a,
                rating=value,
                comment=comment,
                source=source,
                channel=channel,
                by_person_id=a.resident_id,
                recorded_by_id=recorder,
                created_at=at,
            )
        )
        data = {"rating": value, "source": source, "channel": channel}
        if value == RatingValue.DISSATISFIED and first:
            self._event(
                d,
                EventKind.REOPENED,
                at,
                State.REPLIED,
                State.REOPENED,
                actor=recorder,
                text=comment,
                data=data,
            )
            dl = self.deadlines(at, a.community_id, d.plan.category, a.urgency)
            a.reopened_at, a.reopened_count, a.cycle_started_at = at, 1, at
            a.sign_by, a.contact_by, a.resolve_by = dl.sign_by, dl.contact_by, dl.resolve_by
            a.signed_at = a.first_contact_at = a.replied_at = None
            a.alarms, a.escalation_level = 0, 0
            return self.cycle(d, first=False)
        self._event(
            d,
            EventKind.CONFIRMED,
            at,
            State.REPLIED,
            State.CLOSED,
            actor=recorder,
            text=comment,
            data=data,
        )
        a.state, a.closed_at, a.rating, a.rated_at = State.CLOSED, at, value, at
        a.due_at = a.next_check_at = None
        return None

    def merge(self, d: Draft, master: Draft) -> None:
        a, m = d.appeal, master.appeal
        at = a.created_at + dt.timedelta(minutes=self.rng.uniform(20, 180))
        master_end = m.replied_at or m.closed_at or self.reference
        if at >= min(master_end, self.reference) or m.state in (State.REJECTED, State.MERGED):
            d.master = None
            self.cycle(d, first=True)
            return
        actor = self._owner_user(m) or self.desk_user.get(a.community_id)
        self._event(
            d,
            EventKind.MERGED,
            at,
            State.SUBMITTED,
            State.MERGED,
            actor=actor,
            text=f"Merged into {m.number}.",
            data={"into_number": m.number},
        )
        a.state, a.closed_at, a.due_at, a.next_check_at = State.MERGED, at, None, None
        m.supporters_count += 1
        self._event(
            master,
            EventKind.MERGED_IN,
            at,
            "",
            "",
            actor=actor,
            data={"duplicate_number": a.number, "supporters": m.supporters_count},
        )

    # --- writing ---

    def number(self) -> None:
        by_day: dict[dt.date, list[Draft]] = {}
        for d in self.drafts:
            by_day.setdefault(intake.local_day(d.appeal.created_at), []).append(d)
        for day, drafts in sorted(by_day.items()):
            first = reserve_numbers(day, len(drafts))
            for i, d in enumerate(drafts):
                d.appeal.number = intake.format_number(day, first + i)

    def write(self) -> None:
        appeals = [d.appeal for d in self.drafts]
        Appeal.objects.bulk_create(appeals, batch_size=BATCH)
        dups = []
        for d in self.drafts:
            if d.appeal.state == State.MERGED and d.master is not None:
                d.appeal.merged_into_id = d.master.appeal.pk
                dups.append(d.appeal)
        Appeal.objects.bulk_update(dups, ["merged_into"], batch_size=BATCH)
        events = []
        for d in self.drafts:
            for e in d.events:
                e.appeal_id = d.appeal.pk
                events.append(e)
        events.sort(key=lambda e: (e.created_at, e.appeal_id))
        AppealEvent.objects.bulk_create(events, batch_size=BATCH)
        ratings = []
        for d in self.drafts:
            for r in d.ratings:
                r.appeal_id = d.appeal.pk
                ratings.append(r)
        Rating.objects.bulk_create(ratings, batch_size=BATCH)


def demo_reference(today: dt.date | None) -> dt.datetime:
    """The moment the history ends: the fixed REFERENCE, or, loading on a later day, REFERENCE
    moved forward by whole weeks to that day (weekdays stay weekdays), so that open appeals
    are due around the day the demo is looked at rather than months overdue."""
    if today is None or today <= REFERENCE.date():
        return REFERENCE
    return REFERENCE + dt.timedelta(weeks=(today - REFERENCE.date()).days // 7)


def reference_of(street: Region) -> dt.datetime:
    """The reference moment the street's history was written for (from its audit row)."""
    row = (
        AuditEvent.objects.filter(action=AUDIT_ACTION, scope_path=street.path)
        .order_by("-pk")
        .values_list("after", flat=True)
        .first()
    )
    try:
        return dt.datetime.fromisoformat(str((row or {})["to"]))
    except (KeyError, TypeError, ValueError):
        return REFERENCE


def add_appeal_history(ctx: DemoContext) -> None:
    """Demo step: categories and rules, then two years of appeals in the demo community."""
    services_config.install_defaults(actor=None, communities=[ctx.community, ctx.village])
    config = load_config()
    people = [p.pk for p in ctx.people.values()]
    users = dict(User.objects.filter(person_id__in=people).values_list("person_id", "id"))
    reference = demo_reference(ctx.today)
    history = History(ctx, config, {k: v for k, v in users.items() if k is not None}, reference)
    history.seasonal()
    history.outbreaks()
    history.number()
    history.live()
    history.write()
    states = Counter(d.appeal.state for d in history.drafts)
    audit.record(
        actor=ctx.actor,
        action=AUDIT_ACTION,
        obj=ctx.street,
        scope_path=ctx.street.path,
        after={
            "appeals": len(history.drafts),
            "events": sum(len(d.events) for d in history.drafts),
            "ratings": sum(len(d.ratings) for d in history.drafts),
            "states": dict(sorted(states.items())),
            "from": history.start.isoformat(),
            "to": reference.isoformat(),
            "outbreaks": [
                {
                    "key": o.key,
                    "category": o.category,
                    "grid": history.outbreak_grids[o.key],
                    "start": history.shifted(o.start).isoformat(),
                    "days": o.days,
                }
                for o in OUTBREAKS
                if o.key in history.outbreak_grids
            ],
        },
    )


@dataclass(frozen=True)
class Summary:
    appeals: int
    open: int
    overdue: int
    satisfaction: float | None
    reference: dt.datetime = REFERENCE


def summarise(street: Region) -> Summary:
    reference = reference_of(street)
    start = reference - dt.timedelta(days=DAYS)
    qs = Appeal.objects.filter(street=street)
    counts = qs.aggregate(
        appeals=Count("pk"),
        open=Count("pk", filter=Q(state__in=[s.value for s in OPEN])),
        overdue=Count("pk", filter=Q(due_at__lt=reference)),
    )
    r = rates.rates(qs, start=start, end=reference + dt.timedelta(seconds=1), now=reference)
    return Summary(counts["appeals"], counts["open"], counts["overdue"], r.satisfaction, reference)


def report_appeal_history(street: Region) -> list[str]:
    """Demo reporter: one line on the appeal history."""
    s = summarise(street)
    if not s.appeals:
        return []
    sat = f"{s.satisfaction:.0%}" if s.satisfaction is not None else "n/a"
    return [
        f"诉求 Appeals: {s.appeals} in two years, {s.open} open, {s.overdue} overdue "
        f"(at {s.reference:%Y-%m-%d}); satisfaction {sat}"
    ]
