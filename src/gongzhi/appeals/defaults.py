"""The default category tree of a community platform, installed by
services_config.install_defaults (the demo calls it; a new deployment may too).

Each leaf: code, name, deadline class, responsible unit ("grid" or a partner kind) and the
keywords of the baseline router. Codes are stable identifiers; names are what people see.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongzhi.appeals.models import GRID_UNIT, SlaClass
from gongzhi.org.models import PartnerKind


@dataclass(frozen=True)
class Leaf:
    code: str
    name: str
    sla_class: str
    responsible: str
    keywords: str


@dataclass(frozen=True)
class Top:
    code: str
    name: str
    leaves: tuple[Leaf, ...]


G = SlaClass.GENERAL
C = SlaClass.COMPLEX
U = SlaClass.UTILITY
E = SlaClass.EMERGENCY
PROPERTY = PartnerKind.PROPERTY

CATEGORY_TREE: tuple[Top, ...] = (
    Top(
        "municipal",
        "市政设施",
        (
            Leaf(
                "municipal.road",
                "道路与人行道",
                G,
                GRID_UNIT,
                "道路 路面 坑洼 破损 人行道 盲道 台阶 修路 马路 地砖 塌陷",
            ),
            Leaf(
                "municipal.light", "路灯照明", G, GRID_UNIT, "路灯 不亮 灯坏 照明 太黑 灯杆 楼道灯"
            ),
            Leaf(
                "municipal.drain",
                "排水与井盖",
                G,
                GRID_UNIT,
                "井盖 下水道 排水 积水 内涝 雨水 窨井 堵塞 污水井 化粪池 返水",
            ),
            Leaf(
                "municipal.facility",
                "公共设施",
                G,
                GRID_UNIT,
                "健身器材 座椅 公交站 护栏 公厕 垃圾桶坏 宣传栏 设施损坏 围挡",
            ),
        ),
    ),
    Top(
        "sanitation",
        "环境卫生",
        (
            Leaf(
                "sanitation.garbage",
                "垃圾清运",
                G,
                PROPERTY,
                "垃圾 清运 垃圾桶 垃圾站 堆放 建筑垃圾 大件垃圾 分类 满溢 臭",
            ),
            Leaf(
                "sanitation.greening",
                "绿化养护",
                G,
                PROPERTY,
                "绿化 树木 修剪 草坪 枯树 树枝 倒伏 杂草 毁绿 种菜",
            ),
            Leaf(
                "sanitation.pollution",
                "油烟与污染",
                C,
                GRID_UNIT,
                "油烟 异味 污染 烧烤 焚烧 排放 粉尘 扬尘 污水直排",
            ),
            Leaf("sanitation.pests", "病媒消杀", G, PROPERTY, "老鼠 蟑螂 蚊子 苍蝇 消杀 灭鼠 白蚁"),
        ),
    ),
    Top(
        "property",
        "物业管理",
        (
            Leaf(
                "property.repair",
                "公共部位维修",
                G,
                PROPERTY,
                "维修 楼道 单元门 门禁 对讲 屋顶 外墙 墙皮 脱落 防盗门 扶手",
            ),
            Leaf(
                "property.elevator",
                "电梯故障",
                U,
                PROPERTY,
                "电梯 困人 停运 电梯坏 电梯故障 加装电梯 上不了楼 爬楼",
            ),
            Leaf(
                "property.parking",
                "停车管理",
                G,
                PROPERTY,
                "停车 车位 乱停 占道 僵尸车 车库 道闸 停车费",
            ),
            Leaf(
                "property.service",
                "物业服务与收费",
                C,
                PROPERTY,
                "物业费 物业 保安 保洁 服务差 收费 维修基金 业委会 公共收益",
            ),
        ),
    ),
    Top(
        "utilities",
        "水电气暖",
        (
            Leaf(
                "utilities.water",
                "供水",
                U,
                GRID_UNIT,
                "停水 没水 水压 水质 自来水 水管 爆管 漏水管 水表 二次供水 黄水",
            ),
            Leaf(
                "utilities.power", "供电", U, GRID_UNIT, "停电 断电 没电 电压 跳闸 电表 电线 供电"
            ),
            Leaf(
                "utilities.gas", "燃气", U, GRID_UNIT, "燃气 天然气 煤气 燃气表 点不着 燃气管 气压"
            ),
            Leaf(
                "utilities.heating", "供暖", U, GRID_UNIT, "暖气 供暖 不热 采暖 暖气片 地暖 温度低"
            ),
        ),
    ),
    Top(
        "dispute",
        "邻里纠纷",
        (
            Leaf(
                "dispute.noise",
                "噪音扰民",
                G,
                GRID_UNIT,
                "噪音 扰民 太吵 吵闹 装修声 广场舞 半夜 喇叭 狗叫",
            ),
            Leaf(
                "dispute.leak",
                "楼上漏水",
                G,
                GRID_UNIT,
                "楼上漏水 渗水 天花板 漏到 卫生间漏 水渍 发霉",
            ),
            Leaf(
                "dispute.pets", "养犬与宠物", G, GRID_UNIT, "养狗 遛狗 狗屎 犬只 宠物 拴绳 咬人 猫"
            ),
            Leaf(
                "dispute.other",
                "其他邻里纠纷",
                C,
                GRID_UNIT,
                "纠纷 邻居 吵架 矛盾 占用 公共空间 堆放杂物 调解",
            ),
        ),
    ),
    Top(
        "safety",
        "治安安全",
        (
            Leaf(
                "safety.hazard",
                "紧急安全隐患",
                E,
                GRID_UNIT,
                "漏气 燃气泄漏 着火 火灾 冒烟 触电 坍塌 危险 掉落 煤气味 高空坠物",
            ),
            Leaf(
                "safety.fire_lane",
                "消防通道",
                G,
                PROPERTY,
                "消防通道 消防栓 灭火器 堵塞通道 消防设施",
            ),
            Leaf(
                "safety.ebike",
                "电动车充电",
                G,
                GRID_UNIT,
                "电动车 飞线 充电 楼道充电 电瓶车 充电桩",
            ),
            Leaf(
                "safety.order",
                "治安秩序",
                G,
                GRID_UNIT,
                "偷盗 被盗 可疑 陌生人 治安 打架 诈骗 摄像头 监控",
            ),
        ),
    ),
    Top(
        "livelihood",
        "民生服务",
        (
            Leaf(
                "livelihood.elderly",
                "养老助残",
                G,
                GRID_UNIT,
                "老人 独居 助餐 助浴 养老 残疾 轮椅 看护 适老化",
            ),
            Leaf(
                "livelihood.welfare",
                "社保与救助",
                C,
                GRID_UNIT,
                "低保 救助 社保 医保 补贴 困难 临时救助 慰问",
            ),
            Leaf(
                "livelihood.certificate",
                "证明办理",
                G,
                GRID_UNIT,
                "证明 开证明 盖章 居住证 户口 办理 材料",
            ),
            Leaf(
                "livelihood.employment", "就业帮扶", G, GRID_UNIT, "就业 失业 找工作 培训 招聘 创业"
            ),
        ),
    ),
    Top(
        "other",
        "其他",
        (Leaf("other.general", "其他诉求", G, GRID_UNIT, "建议 意见 咨询 其他"),),
    ),
)
