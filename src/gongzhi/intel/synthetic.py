"""Labelled synthetic appeals (诉求), deterministic for a given seed.

Two label schemes:

* ``community`` — the categories a community platform routes to (物业管理, 环境卫生, ...);
* ``gov`` — the seven first-level classes of a city government's message board
  (城乡建设, 环境保护, 交通运输, 教育文体, 劳动和社会保障, 商贸旅游, 卫生计生).

Each appeal is a template filled with slots (place, problem, duration, harm, request),
then noise: typos, traditional characters, full-width digits, phone numbers to be
scrubbed, a sentence about another category, short and long variants.  Everything here
is invented for this project and may be redistributed with it; it trains the shipped
default model, gives the classifier a prior for these label sets, and measures quality
without any real appeal.  The command line is ``bench/gen_corpus.py``.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# --- places ---------------------------------------------------------------------------

_ESTATE_A = [
    "幸福",
    "阳光",
    "锦绣",
    "和平",
    "金桂",
    "翠湖",
    "东方",
    "新城",
    "桃源",
    "书香",
    "盛世",
    "滨江",
    "丽景",
    "春华",
    "碧水",
    "枫林",
    "龙湾",
    "紫荆",
    "鑫苑",
    "华府",
    "明珠",
    "怡景",
    "康乐",
    "青园",
]
_ESTATE_B = [
    "花园",
    "家园",
    "小区",
    "新村",
    "苑",
    "雅居",
    "华庭",
    "公寓",
    "佳园",
    "名都",
    "城",
    "里",
    "山庄",
    "国际",
    "府",
]
_ROAD_A = [
    "人民",
    "解放",
    "建设",
    "中山",
    "文化",
    "复兴",
    "长青",
    "新华",
    "和平",
    "东风",
    "迎宾",
    "滨河",
    "学府",
    "工业",
    "朝阳",
    "望江",
    "金星",
    "银杏",
    "芙蓉",
    "南湖",
]
_ROAD_B = ["路", "大道", "街", "东路", "西路", "南路", "北路", "巷"]
_DISTRICTS = [
    "东城区",
    "西城区",
    "南湖区",
    "北岸区",
    "高新区",
    "经开区",
    "河西新区",
    "城关镇",
    "青山镇",
    "白沙乡",
]
_COMPANIES = ["宏达", "鑫源", "恒通", "华信", "天成", "盛达", "佳美", "瑞丰", "金鼎", "博远"]


def _estate(r: random.Random) -> str:
    return r.choice(_ESTATE_A) + r.choice(_ESTATE_B)


def _road(r: random.Random) -> str:
    return r.choice(_ROAD_A) + r.choice(_ROAD_B)


def _place(r: random.Random) -> str:
    forms = [
        lambda: f"{r.choice(_DISTRICTS)}{_estate(r)}",
        lambda: f"{_estate(r)}{r.randint(1, 30)}栋",
        lambda: f"{_road(r)}{r.randint(1, 300)}号附近",
        lambda: f"{r.choice(_DISTRICTS)}{_road(r)}与{_road(r)}交叉口",
        lambda: f"{_estate(r)}{r.randint(1, 20)}栋{r.randint(1, 4)}单元",
    ]
    return r.choice(forms)()


# --- topics: (label per scheme, problems, harms, requests) ---------------------------


@dataclass(frozen=True)
class Topic:
    gov: str
    community: str
    problems: tuple[str, ...]
    harms: tuple[str, ...]
    requests: tuple[str, ...]


def _t(gov: str, community: str, problems: str, harms: str, requests: str) -> Topic:
    return Topic(
        gov,
        community,
        tuple(problems.split("|")),
        tuple(harms.split("|")),
        tuple(requests.split("|")),
    )


TOPICS: tuple[Topic, ...] = (
    # 城乡建设 ------------------------------------------------------------------------
    _t(
        "城乡建设",
        "物业管理",
        "物业公司不作为，楼道垃圾几天没人清理|物业费年年上涨却服务越来越差|物业擅自把公共绿地改成收费停车位|业委会选聘物业公司过程不公开|物业把地下车库车位只租不售还捆绑收费|小区门禁坏了半年物业一直不修|物业公司要退出小区，停车费标准不合理|维修基金被业委会违规使用",
        "业主意见很大|大家的权益得不到保障|居民生活受到很大影响|多次找物业都推诿扯皮",
        "请住建部门督促物业整改|希望有关部门监管物业公司|请街道社区协调业委会|请求依法查处",
    ),
    _t(
        "城乡建设",
        "公共设施",
        "小区自来水经常停水，水压也很低|片区频繁停电，电压不稳|路灯坏了几个月一直不亮|井盖破损缺失，路面坑洼不平|下雨天道路积水严重，下水道堵塞|小区燃气管道老化，天然气开户收费过高|老旧小区想加装电梯一直没人牵头|人行道破损，道路修了一年还没修好",
        "老人小孩出行很不安全|严重影响居民正常生活|晚上出门摸黑|存在很大安全隐患",
        "请尽快维修|希望市政部门尽快处理|请求尽快拉通这条路|请有关部门安排改造",
    ),
    _t(
        "城乡建设",
        "违章建筑",
        "有业主在楼顶私自搭建彩钢房|一楼住户违规扩建占用公共绿地|有人私自拆除承重墙装修|门面违规住改商开餐馆|河边有人违法建房一直没有拆除|小区内私搭乱建越来越多",
        "影响楼栋安全|侵占了公共空间|其他业主意见很大|存在安全隐患",
        "请城管执法部门依法拆除|请求查处违章建筑|希望尽快处理到位",
    ),
    _t(
        "城乡建设",
        "物业管理",
        "开发商延期交房已经一年多|新房出现墙体开裂、外墙渗水等质量问题|买房五年了还办不到房产证|开发商虚假宣传，精装修质价不符|楼盘擅自变更规划，把绿地改成商业|楼盘停工烂尾，购房者血本无归|拆迁安置房迟迟不能交付|棚户区改造的补偿标准不合理",
        "业主们苦不堪言|一家人只能租房住|我们的合法权益受到损害|贷款每个月照还",
        "请住建部门督促开发商履行合同|请政府部门依法查处|希望尽快给业主办理不动产证|请求落实安置补偿",
    ),
    # 环境保护 ------------------------------------------------------------------------
    _t(
        "环境保护",
        "噪音扰民",
        "工地每天夜间施工到凌晨，噪音很大|楼下KTV每天晚上声音震天|广场舞音响开得太大|楼下夜宵摊吵到半夜两三点|附近工厂机器轰鸣日夜不停|渣土车深夜轰鸣鸣笛|高架桥车流噪音太大，希望安装隔音屏",
        "居民根本无法休息|孩子晚上睡不着觉|老人心脏病都吵发了|严重影响学生学习",
        "请环保部门依法查处|请求安装隔音设施|希望有关部门管一管夜间施工|请执法部门到现场监测噪音",
    ),
    _t(
        "环境保护",
        "环境卫生",
        "楼下餐馆油烟直排，整栋楼都是油烟味|附近工厂排放刺鼻废气|搅拌站粉尘很大，灰尘漫天|有人在田里焚烧垃圾和秸秆|化工厂偷排污水，河水发黑发臭|养殖场粪便直排污染水源|砖厂烟囱冒黑烟",
        "窗户都不敢开|很多居民出现咳嗽、喉咙痛|鱼都死了|环境污染越来越严重",
        "请环保部门尽快查处|希望生态环境局监测空气质量|请求责令停产整改|请依法处罚排污企业",
    ),
    _t(
        "环境保护",
        "环境卫生",
        "小区垃圾站恶臭熏天，蚊蝇成群|垃圾清运不及时，到处堆满垃圾|河道里漂满生活垃圾|建筑垃圾随意倾倒在路边",
        "夏天臭气熏天|居住环境脏乱差|影响市容市貌",
        "请环卫部门及时清运|希望加强环境卫生管理|请尽快清理",
    ),
    # 交通运输 ------------------------------------------------------------------------
    _t(
        "交通运输",
        "交通出行",
        "公交车班次太少，等一趟要四十分钟|公交线路调整后我们片区没有公交了|希望增设一个公交站点|地铁站出口太远，换乘不方便|末班车收班太早，晚上下班没车坐|公交司机开车急刹，态度恶劣|城际铁路经常晚点停运",
        "上班族出行很不方便|老人看病要走很远|学生上学只能打车",
        "请交通运输部门优化公交线路|希望增加班次|请求延长末班车时间|请公交公司整改",
    ),
    _t(
        "交通运输",
        "交通出行",
        "出租车司机拒载、绕路|网约车乱收费|农村公路坑坑洼洼多年没有硬化|村里通组公路还没修通|高速收费站ETC扣费错误|大货车超载压坏村道|快递公司丢件不赔偿|驾校收费后不安排练车",
        "村民出行非常困难|我的合法权益受损|雨天车都开不进来",
        "请交通部门加强监管|希望尽快硬化这条公路|请运管部门查处|请求尽快修复",
    ),
    # 教育文体 ------------------------------------------------------------------------
    _t(
        "教育文体",
        "民生保障",
        "孩子入学划片不合理，家门口的学校上不了|小区配套学校迟迟不开学|幼儿园收费太高，希望多建公办幼儿园|学校违规组织有偿补课|学校乱收资料费和校服费|老师体罚学生|学校食堂饭菜质量差|校外培训机构收了学费后跑路",
        "家长们非常着急|孩子每天要跑很远上学|增加了家庭负担|孩子身心受到伤害",
        "请教育局尽快解决学位问题|希望教育部门查处违规补课|请求规范学校收费|请教育部门调查处理",
    ),
    _t(
        "教育文体",
        "民生保障",
        "代课教师多年的待遇一直没有落实|乡村教师补贴迟迟不发|民办幼儿园老师工资太低|教师职称评定不公平|中考体育考试评分有问题|图书馆开放时间太短|体育场馆不对市民开放|网吧接纳未成年人上网",
        "老师们很寒心|孩子们没有地方锻炼|影响教育质量",
        "请教育部门落实教师待遇|希望文体部门开放场馆|请文化执法部门查处",
    ),
    # 劳动和社会保障 ------------------------------------------------------------------
    _t(
        "劳动和社会保障",
        "民生保障",
        "公司拖欠我们三个月工资|包工头拖欠农民工工资跑路了|单位不给员工缴纳社保|公司不签劳动合同就辞退员工|老板无故克扣工资和加班费|工地受伤后单位不认工伤",
        "一家老小等着钱过年|我们多次讨薪无果|员工的合法权益得不到保障",
        "请人社局劳动监察大队介入|希望帮助农民工讨回血汗钱|请求依法督促公司补缴社保",
    ),
    _t(
        "劳动和社会保障",
        "民生保障",
        "医保异地报销手续太复杂|城乡居民医保缴费标准年年涨|退休后养老金迟迟没有发放|社保转移接续办不下来|生育津贴申请被拒绝|新农合报销比例太低|失业保险金领取条件不清楚|灵活就业人员怎么缴纳养老保险",
        "生活陷入困难|跑了好几趟都办不成|老人看病负担很重",
        "请医保局给出明确答复|希望社保部门简化手续|请求尽快发放退休金|请人社部门解释政策",
    ),
    # 商贸旅游 ------------------------------------------------------------------------
    _t(
        "商贸旅游",
        "民生保障",
        "健身房办卡后老板跑路不退款|商家虚假宣传，买到的商品质量很差|超市卖过期商品还不给退货|景区门票乱涨价，强制消费|旅行社低价团强迫购物|菜市场缺斤少两|预付卡消费后店铺关门|有人在小区发展传销",
        "很多消费者受骗|维权非常困难|损失了好几千元",
        "请市场监管局依法查处|希望工商部门保护消费者权益|请旅游部门整顿市场|请求责令商家退款",
    ),
    # 卫生计生 ------------------------------------------------------------------------
    _t(
        "卫生计生",
        "民生保障",
        "医院看病排队几个小时|医生态度恶劣，耽误病情|医院乱收费、重复检查|社区卫生服务中心药品不全|新生儿出生证明办不下来|独生子女奖励费一直没有发放|疫苗接种预约太难|诊所无证行医|餐馆食品卫生很差，吃了拉肚子",
        "病人受了很多罪|家属非常气愤|老百姓看病难看病贵",
        "请卫健委调查处理|希望加强医疗机构监管|请求落实计生奖励政策|请食品安全部门检查",
    ),
    # community-only topics ----------------------------------------------------------------
    _t(
        "城乡建设",
        "邻里纠纷",
        "楼上邻居家漏水到我家，协商不成|邻居在楼道堆放杂物|隔壁养狗天天叫，还随地大小便|邻居装修占用公共走廊",
        "两家关系闹得很僵|多次沟通无果|影响其他住户通行",
        "请社区网格员帮忙调解|希望居委会出面协调|请物业和社区一起处理",
    ),
    _t(
        "城乡建设",
        "治安消防",
        "小区消防通道被私家车堵死|楼道里电动车飞线充电|消防栓没有水|小区监控坏了经常丢电动车|有陌生人半夜在楼道徘徊",
        "一旦失火后果不堪设想|居民很没有安全感|存在重大安全隐患",
        "请消防部门检查|希望派出所加强巡逻|请物业尽快整改",
    ),
)

_OPENERS = (
    "",
    "",
    "您好，",
    "领导好！",
    "尊敬的领导：",
    "我是{place}的居民，",
    "本人住在{place}，",
    "我想反映一个问题，",
)
_DURATIONS = (
    "",
    "已经持续半年了，",
    "这个问题存在很久了，",
    "从去年开始就这样，",
    "最近一个月以来，",
    "多次反映都没有解决，",
)
_CLOSERS = ("", "谢谢！", "万分感谢！", "盼回复。", "望尽快解决！", "请领导重视！")

LABEL_SETS = {
    "gov": (
        "城乡建设",
        "环境保护",
        "交通运输",
        "教育文体",
        "劳动和社会保障",
        "商贸旅游",
        "卫生计生",
    ),
    "community": (
        "物业管理",
        "环境卫生",
        "噪音扰民",
        "违章建筑",
        "公共设施",
        "交通出行",
        "民生保障",
        "邻里纠纷",
        "治安消防",
    ),
}

# --- noise ----------------------------------------------------------------------------


def _typo(r: random.Random, text: str) -> str:
    if len(text) < 6:
        return text
    i = r.randrange(len(text) - 1)
    op = r.random()
    if op < 0.4:
        return text[:i] + text[i + 1 :]  # dropped character
    if op < 0.7:
        return text[:i] + text[i] + text[i:]  # doubled character
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # swapped pair


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _phone(r: random.Random) -> str:
    return f"1{r.choice('3456789')}{r.randint(0, 999999999):09d}"


_s2t = None


def _traditional(text: str) -> str:
    global _s2t
    if _s2t is None:
        try:
            import opencc

            _s2t = opencc.OpenCC("s2t")
        except Exception:  # pragma: no cover
            return text
    return _s2t.convert(text)


@dataclass(frozen=True)
class Appeal:
    id: str
    text: str
    label: str
    place: str
    created: str


def _half(items: tuple[str, ...], variant: str | None) -> tuple[str, ...]:
    if variant is None or len(items) < 2:
        return items
    return items[0::2] if variant == "a" else items[1::2]


def _variant(topic: Topic, variant: str | None) -> Topic:
    return Topic(
        topic.gov,
        topic.community,
        _half(topic.problems, variant),
        _half(topic.harms, variant),
        _half(topic.requests, variant),
    )


def generate(
    n: int,
    *,
    scheme: str = "gov",
    seed: int = 0,
    noise: float = 0.3,
    short_share: float = 0.3,
    variant: str | None = None,
) -> Iterator[Appeal]:
    """Yield ``n`` labelled appeals; same arguments → same appeals.

    ``noise`` (0..1) scales typos, full-width digits, traditional characters, phone
    numbers and sentences about another topic.  ``variant`` ``"a"`` or ``"b"`` uses only
    every other phrasing of each problem, harm and request, so a model trained on one
    variant and tested on the other meets sentences it never saw.
    """
    if scheme not in LABEL_SETS:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {sorted(LABEL_SETS)}")
    if variant not in (None, "a", "b"):
        raise ValueError("variant must be None, 'a' or 'b'")
    r = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    topics = [_variant(t, variant) for t in TOPICS]
    label_of = (lambda t: t.gov) if scheme == "gov" else (lambda t: t.community)
    labels = LABEL_SETS[scheme]
    by_label = {lab: [t for t in topics if label_of(t) == lab] for lab in labels}
    start = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    for k in range(n):
        label = labels[k % len(labels)] if r.random() < 0.7 else r.choice(labels)
        topic = r.choice(by_label[label])
        place = _place(r)
        problem = r.choice(topic.problems)
        if r.random() < short_share:
            text = f"{place}{problem}"
            if r.random() < 0.5:
                text += "，" + r.choice(topic.requests)
        else:
            opener = r.choice(_OPENERS)
            parts = [
                opener.format(place=place),
                "" if "{place}" in opener else place + "，",
                problem,
                "。",
                r.choice(_DURATIONS),
                r.choice(topic.harms),
                "。",
            ]
            if r.random() < 0.5:
                parts += [r.choice(topic.problems), "，", r.choice(topic.harms), "。"]
            if r.random() < noise * 0.5:  # a confounding sentence about another topic
                other = r.choice(topics)
                parts += ["另外，", r.choice(other.problems), "。"]
            parts += [r.choice(topic.requests), "。", r.choice(_CLOSERS)]
            if r.random() < noise * 0.4:
                parts.append(f"联系电话{_phone(r)}")
            text = "".join(parts)
        if r.random() < noise:
            text = _typo(r, text)
        if r.random() < noise * 0.2:
            text = text.translate(_FULLWIDTH)
        if r.random() < noise * 0.1:
            text = _traditional(text)
        created = start + timedelta(minutes=r.randint(0, 60 * 24 * 365))
        yield Appeal(
            f"g{seed}-{k + 1}", text, label, place, created.isoformat(sep=" ", timespec="minutes")
        )


@functools.lru_cache(maxsize=1)
def prior_corpus(n_per_scheme: int = 2100, seed: int = 99) -> tuple[tuple[str, str], ...]:
    """(text, label) pairs of both schemes: the classifier's default prior corpus."""
    return tuple(
        (a.text, a.label)
        for scheme in ("gov", "community")
        for a in generate(n_per_scheme, scheme=scheme, seed=seed)
    )


# --- outbreaks: labelled hotspots for the hotspot miner ---------------------------------

# A wide pool of characters for estate names that the background never uses, so that an
# injected outbreak is the only cluster of its (problem, place).
_NAME_CHARS = (
    "安柏宝碧博彩灿昌朝辰澄驰崇楚淳翠达黛丹德鼎东栋峰枫福馥罡高歌冠广桂海涵翰豪禾鹤恒弘"
    "鸿华桦欢环辉慧吉嘉佳建江骄金锦晶景静九菊俊凯康柯岚澜朗乐雷黎丽莲良林霖玲凌龙隆鲁禄"
    "麓伦罗洛满茂梅美蒙铭墨木楠宁沛鹏平圃谱琪启千乾倩乔琴沁青清庆秋泉群然荣蓉瑞润森山杉"
    "尚韶盛诗石舒曙树水顺硕松嵩泰棠陶腾天田亭彤桐旺威巍薇蔚文翁沃熙溪霞贤湘翔潇晓欣鑫星"
    "兴秀旭轩萱雅延岩彦燕阳尧耀怡逸银樱莹颖永优悠友渝宇羽玉裕元源远苑悦越云韵泽章昭臻振"
)
_OUTBREAK_FORMS = (
    "{estate}{b}栋{problem}",
    "{estate}{b}栋{problem}，{request}",
    "{opener}我是{estate}{b}栋的住户，{problem}，{harm}。{request}。",
    "{opener}{estate}{problem}。{duration}{harm}，{request}！",
    "反映{estate}{b}栋{problem}的问题，{harm}，{request}。{closer}",
    "{estate}小区{b}栋{problem}，{request}",
)


@dataclass(frozen=True)
class LabelledAppeal:
    """An appeal with the truth the hotspot miner is measured against."""

    id: int
    text: str
    label: str
    time: datetime
    grid_id: int
    building_id: int
    resident_id: int
    outbreak: int  # -1: background (belongs to no hotspot)
    dissatisfied: bool | None


def generate_outbreaks(
    n: int,
    *,
    seed: int = 0,
    outbreak_share: float = 0.05,
    days: int = 365,
    noise: float = 0.3,
    scheme: str = "community",
) -> Iterator[LabelledAppeal]:
    """``n`` appeals: background (:func:`generate`) plus injected outbreaks.

    An outbreak is one problem of one topic in one place (an estate, one to three of its
    buildings, one grid), raised by 3-150 residents within one to five days, each in
    their own words (different templates, openers, harms, requests, typos, full-width
    digits, traditional characters).  Background appeals get a grid (a place always lies
    in the same grid), a building and a time over ``days`` days.  Appeals come out in
    time order.  Grids: ``n // 200`` (at least 20), about 200 appeals a year each.
    """
    r = random.Random(seed * 7919 + 17)  # noqa: S311 - reproducible test data
    n_grids = max(20, n // 200)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    labels = LABEL_SETS[scheme]
    label_of = (lambda t: t.gov) if scheme == "gov" else (lambda t: t.community)
    topics = [t for t in TOPICS if label_of(t) in labels]
    items: list[tuple[datetime, str, str, int, int, int, int, bool | None]] = []
    target = int(n * outbreak_share)
    used_names: set[str] = set()
    outbreak = 0
    while sum(1 for it in items if it[6] >= 0) < target:
        size = min(150, 3 + int(r.paretovariate(1.3) * 3) - 3, target - len(items))
        if size < 2:
            break
        topic = r.choice(topics)
        problem = r.choice(topic.problems)
        name = r.choice(_NAME_CHARS) + r.choice(_NAME_CHARS)
        while name in used_names:
            name = r.choice(_NAME_CHARS) + r.choice(_NAME_CHARS) + r.choice(_NAME_CHARS)
        used_names.add(name)
        estate = name + r.choice(_ESTATE_B)
        grid = r.randrange(n_grids)
        buildings = [r.randint(1, 30) for _ in range(r.randint(1, 3))]
        t0 = start + timedelta(minutes=r.randint(0, 60 * 24 * max(days - 5, 1)))
        duration = r.randint(1, 5) * 24 * 60
        residents = [r.randrange(10**9) for _ in range(size)]
        for k in range(size):
            b = r.choice(buildings)
            text = r.choice(_OUTBREAK_FORMS).format(
                estate=estate,
                b=b,
                problem=problem,
                request=r.choice(topic.requests),
                harm=r.choice(topic.harms),
                opener=r.choice(_OPENERS).format(place=estate),
                duration=r.choice(_DURATIONS),
                closer=r.choice(_CLOSERS),
            )
            if r.random() < noise:
                text = _typo(r, text)
            if r.random() < noise * 0.2:
                text = text.translate(_FULLWIDTH)
            if r.random() < noise * 0.1:
                text = _traditional(text)
            resident = residents[k] if r.random() > 0.1 else r.choice(residents)
            when = t0 + timedelta(minutes=r.randint(0, duration))
            dissatisfied = None if r.random() < 0.5 else r.random() < 0.4
            items.append(
                (
                    when,
                    text,
                    label_of(topic),
                    grid,
                    grid * 100 + b,
                    resident,
                    outbreak,
                    dissatisfied,
                )
            )
        outbreak += 1
    for a in generate(max(n - len(items), 0), scheme=scheme, seed=seed, noise=noise):
        # a place lies in one grid, as in a city: the same estate is always the same grid
        grid = zlib.crc32(a.place.encode()) % n_grids
        when = start + timedelta(minutes=r.randint(0, 60 * 24 * days))
        dissatisfied = None if r.random() < 0.5 else r.random() < 0.2
        items.append(
            (
                when,
                a.text,
                a.label,
                grid,
                grid * 100 + r.randint(1, 30),
                r.randrange(10**9),
                -1,
                dissatisfied,
            )
        )
    items.sort(key=lambda it: it[0])
    for i, (when, text, label, grid, building, resident, ob, dis) in enumerate(items, start=1):
        yield LabelledAppeal(i, text, label, when, grid, building, resident, ob, dis)
