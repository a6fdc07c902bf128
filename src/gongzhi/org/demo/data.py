"""The fixed vocabulary of the demo: names, places, units. All of it is fictional.

The street carries "（演示）" (demo) in its name so that nobody mistakes it for a real place;
the estates, the village and the units are made up but sound like Chuzhou.
"""

from __future__ import annotations

from dataclasses import dataclass


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _weighted(text: str) -> tuple[tuple[str, float], ...]:
    """Parse "王74 张70" into (("王", 74.0), ("张", 70.0)); each surname is one character."""
    return tuple((item[0], float(item[1:])) for item in text.split())


# --- people ----------------------------------------------------------------------------------

# Common surnames with weights roughly proportional to their share of the population (per
# mille, after the 2020 census lists, nudged towards Anhui where 王张李刘陈 dominate).
SURNAMES: tuple[tuple[str, float], ...] = _weighted(
    "王74 张70 李68 刘52 陈48 杨30 吴26 徐22 孙20 周19 黄18 赵18 朱17 胡15 马13 "
    "何11 高11 郭11 汪10 程10 许9 方9 丁8 沈8 宋8 唐7 韩7 曹7 魏6 蒋6 袁6 谢6 梁6 "
    "罗6 林6 潘5 葛5 姚5 余5 叶5 杜5 储4 戴4 夏4 邓4 彭4 苏4 吕4 田4 董4 范3 倪3 金3 "
    "鲍3 陶3 江3 卢3 任3 曾3 钱3 邵2 秦2 陆2 贾2 蔡2 石2 俞2 于2 章2"
)

# Given names by birth cohort and gender: a 1950s grandmother is not called 梓涵.
GIVEN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("old", "m"): _names(
        "建国 国强 德福 志刚 永福 长生 国庆 建华 福根 宝山 德明 有才 "
        "春生 金山 文华 树林 振华 广田 学文 洪涛 庆丰 双喜 家福 守仁 "
        "万里 德胜 富贵 世昌"
    ),
    ("old", "f"): _names(
        "秀英 桂英 玉兰 淑珍 凤英 秀兰 桂兰 玉珍 翠花 春梅 兰英 素珍 "
        "金凤 玉梅 秀芳 月娥 桂芝 淑英 凤兰 美英 桂香 秀珍"
    ),
    ("mid", "m"): _names(
        "伟 强 军 勇 刚 平 建军 卫东 红军 志强 国华 小平 海涛 建新 "
        "立新 文斌 永强 明 斌 华 俊 峰 春雷 卫国 荣 新民 利民 传友"
    ),
    ("mid", "f"): _names(
        "丽 红 芳 华 英 敏 燕 霞 丽华 红梅 晓燕 春燕 慧 玲 萍 "
        "秀梅 海燕 丽萍 美玲 素梅 艳 琴 凤 静 红霞"
    ),
    ("young", "m"): _names(
        "磊 涛 超 鹏 杰 浩 亮 宇 鑫 帆 洋 晨 俊杰 志伟 文博 家豪 "
        "海波 明轩 建波 晓东 天宇 凯 博 振宇 少华"
    ),
    ("young", "f"): _names(
        "静 婷 娟 倩 晶 雪 丹 琳 颖 佳 婧 思雨 晓雯 欣然 梦婷 "
        "雅琪 莉 璐 蕾 佳慧 雨婷 艳红 文静 晓丽 丽娜"
    ),
    ("child", "m"): _names(
        "子轩 浩然 宇轩 梓睿 俊熙 一鸣 子墨 浩宇 睿泽 铭轩 思远 宇航 "
        "嘉懿 博文 子豪 承泽 皓轩 沐阳 奕辰 锦程 明哲 梓豪 天佑 煜祺 "
        "泽宇"
    ),
    ("child", "f"): _names(
        "欣怡 梓涵 雨桐 诗涵 一诺 可馨 梓萱 思琪 若汐 紫涵 雨萱 语桐 "
        "佳怡 欣妍 梦琪 依诺 诗琪 子琪 芷若 沐晨 安然 语嫣 书瑶 梓晴 "
        "悦然"
    ),
}


def cohort(birth_year: int) -> str:
    if birth_year < 1960:
        return "old"
    if birth_year < 1980:
        return "mid"
    if birth_year < 2000:
        return "young"
    return "child"


# Resident ID area codes of Chuzhou (3411xx) with weights: most people were registered in the
# city districts, some come from the counties.
ID_AREAS: tuple[tuple[str, float], ...] = (
    ("341102", 45),  # 琅琊区
    ("341103", 25),  # 南谯区
    ("341122", 6),  # 来安县
    ("341124", 6),  # 全椒县
    ("341125", 6),  # 定远县
    ("341126", 5),  # 凤阳县
    ("341181", 4),  # 天长市
    ("341182", 3),  # 明光市
)

# In-service Party members (双报到) keep their organisation at work.
WORK_UNITS: tuple[str, ...] = _names(
    "市自然资源和规划局 市生态环境局 区教育局 区人民医院 市供电公司 "
    "市自来水公司 区财政局 区市场监督管理局 市税务局第二分局 市公安局交警支队 "
    "区住房和城乡建设局 市第二中学 区城市管理局 市人力资源和社会保障局 "
    "区卫生健康委员会 市农业农村局 区司法局 市邮政分公司"
)

# --- places ------------------------------------------------------------------------------------

STREET_NAME = "琅溪街道（演示）"
COMMUNITY_NAME = "翁亭社区"
VILLAGE_NAME = "清丰村"


@dataclass(frozen=True)
class Estate:
    """A residential estate (小区) filling one grid of the urban community."""

    name: str
    buildings: int
    floors: int
    units: int  # 单元 per building
    rooms_per_floor: int  # per unit
    area: tuple[int, int]  # floor area range, m²
    public_share: float  # share of public (公房) households: high in old estates
    building_word: str = "栋"


ESTATES: tuple[Estate, ...] = (
    Estate("琅溪花园", 7, 11, 3, 2, (89, 128), 0.0),
    Estate("翁亭小区", 7, 6, 3, 2, (55, 86), 0.05),
    Estate("清流苑", 6, 18, 3, 2, (90, 140), 0.0),
    Estate("丰山名邸", 7, 26, 2, 2, (100, 165), 0.0),
    Estate("醉翁嘉园", 7, 11, 2, 3, (80, 120), 0.0),
    Estate("老街片区", 6, 5, 2, 2, (38, 70), 0.25, "号楼"),
)

GRID_NAMES: tuple[str, ...] = _names("第一网格 第二网格 第三网格 第四网格 第五网格 第六网格")

# 村民小组 as grids, each with two hamlets (自然村) where the houses cluster.
VILLAGE_GROUPS: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("第一村民小组", "一组", ("王庄", "柳塘")),
    ("第二村民小组", "二组", ("后湾", "石桥")),
    ("第三村民小组", "三组", ("枣林", "东岗")),
    ("第四村民小组", "四组", ("新塘", "大埂")),
)
VILLAGE_AREA = (120, 260)  # self-built houses are large

CHINESE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


@dataclass(frozen=True)
class Partner:
    """A partner unit (共建单位). `where` is "street", "community", "village" or "grid:<n>"."""

    key: str
    name: str
    kind: str
    where: str
    address: str
    committee_title: str = ""  # set when the unit sends a 1+5+N part-time committee member


# Every unit is fictional. The first one is the property company of grid 1's estate: the
# partner-unit handler login works for it.
PARTNERS: tuple[Partner, ...] = (
    Partner(
        "property-g1",
        "琅溪花园物业服务中心",
        "property",
        "grid:1",
        "琅溪花园1栋底商",
        "兼职委员（物业）",
    ),
    Partner("property-g2", "翁亭物业管理有限公司", "property", "grid:2", "翁亭小区门卫室"),
    Partner("property-g3", "清流苑物业服务中心", "property", "grid:3", "清流苑东门"),
    Partner("property-g4", "丰山名邸物业服务中心", "property", "grid:4", "丰山名邸会所"),
    Partner(
        "owners-g4",
        "丰山名邸业主委员会",
        "owners_committee",
        "grid:4",
        "丰山名邸会所二楼",
        "兼职委员（业委会）",
    ),
    Partner(
        "school", "翁亭路小学", "resident_unit", "community", "翁亭路88号", "兼职委员（驻区学校）"
    ),
    Partner(
        "clinic",
        "翁亭社区卫生服务站",
        "resident_unit",
        "community",
        "翁亭路120号",
        "兼职委员（卫生服务站）",
    ),
    Partner(
        "state-co",
        "市燃气公司翁亭营业厅",
        "resident_unit",
        "street",
        "琅溪大道36号",
        "兼职委员（驻区国企）",
    ),
    Partner(
        "elderly-care",
        "乐龄居家养老服务中心",
        "social_org",
        "community",
        "翁亭小区7栋一楼",
        "兼职委员（社会组织）",
    ),
    Partner("social-work", "琅溪社工服务站", "social_org", "street", "琅溪大道52号"),
    Partner("shop-g2", "翁亭便民超市", "shop", "grid:2", "翁亭小区沿街3号"),
    Partner("shop-g6", "老街理发店", "shop", "grid:6", "老街片区2号楼底商"),
    Partner(
        "coop", "清丰村农民专业合作社", "other", "village", "清丰村一组村部旁", "兼职委员（合作社）"
    ),
)
