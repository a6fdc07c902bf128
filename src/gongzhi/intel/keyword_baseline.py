"""Keyword-rule classifier: the baseline the learned model is compared with.

The approach of the PyPI package ``baisitong2`` (its ``RuleAnalyzer.classify``): each
category has a fixed list of keywords; a text gets every category one of whose keywords
occurs in it as a substring, and "其他" (other) when none does.  For single-label routing
we keep the same rules and pick the category with the most keyword hits (ties go to the
category listed first; ``mode="first"`` reproduces baisitong2's list order exactly),
falling back to the most frequent training label when nothing matches.

Our keyword lists are not baisitong2's: for the seven government classes they come from
the topic lexicon's default classes (``data/topics.tsv``) and, when given, the names in
a category tree; for the community categories, from :data:`COMMUNITY_KEYWORDS`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from gongzhi.intel.lexicon import Topic, load_topics
from gongzhi.intel.text import prepare

OTHER = "其他"

#: Keyword lists for the community categories, written the way baisitong2 writes its
#: own (its categories are close to these, its words are not copied here).
COMMUNITY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "物业管理": (
        "物业",
        "物业费",
        "业委会",
        "业主委员会",
        "维修基金",
        "门禁",
        "车位",
        "车库",
        "保安",
        "开发商",
        "交房",
        "房产证",
        "不动产证",
        "精装",
        "质量问题",
        "安置房",
    ),
    "环境卫生": (
        "垃圾",
        "油烟",
        "污水",
        "臭",
        "异味",
        "粉尘",
        "扬尘",
        "灰尘",
        "废气",
        "焚烧",
        "排污",
        "卫生",
        "清运",
        "烟囱",
        "黑烟",
        "污染",
    ),
    "噪音扰民": (
        "噪音",
        "噪声",
        "扰民",
        "吵",
        "KTV",
        "广场舞",
        "音响",
        "夜间施工",
        "轰鸣",
        "隔音",
        "鸣笛",
        "喇叭",
    ),
    "违章建筑": (
        "违建",
        "违章",
        "搭建",
        "私搭",
        "扩建",
        "彩钢",
        "承重墙",
        "住改商",
        "建房",
        "拆除",
    ),
    "公共设施": (
        "路灯",
        "井盖",
        "停水",
        "停电",
        "水压",
        "燃气",
        "天然气",
        "电梯",
        "积水",
        "下水道",
        "道路",
        "路面",
        "人行道",
        "修路",
        "管道",
    ),
    "交通出行": (
        "公交",
        "地铁",
        "出租车",
        "网约车",
        "班次",
        "站点",
        "公路",
        "硬化",
        "高速",
        "快递",
        "驾校",
        "铁路",
        "车站",
    ),
    "民生保障": (
        "工资",
        "社保",
        "医保",
        "养老",
        "退休",
        "学校",
        "入学",
        "教师",
        "医院",
        "看病",
        "消费者",
        "退款",
        "景区",
        "疫苗",
        "独生子女",
        "补贴",
    ),
    "邻里纠纷": (
        "邻居",
        "楼上",
        "隔壁",
        "邻里",
        "纠纷",
        "矛盾",
        "漏水到",
        "堆放杂物",
        "养狗",
        "狗叫",
    ),
    "治安消防": (
        "消防",
        "消防通道",
        "飞线充电",
        "充电",
        "监控",
        "偷",
        "盗",
        "安全隐患",
        "巡逻",
        "火灾",
        "消防栓",
    ),
}


class KeywordClassifier:
    def __init__(
        self,
        keywords: Mapping[str, Sequence[str]],
        *,
        fallback: str = OTHER,
        mode: str = "count",
    ) -> None:
        if mode not in {"count", "first"}:
            raise ValueError("mode must be 'count' or 'first'")
        self.keywords = {
            c: tuple(dict.fromkeys(k.lower() for k in ws if k)) for c, ws in keywords.items()
        }
        self.fallback = fallback
        self.mode = mode

    @classmethod
    def from_topics(
        cls,
        topics: Iterable[Topic] | None = None,
        classes: Iterable[str] | None = None,
        *,
        fallback: str = OTHER,
        mode: str = "count",
    ) -> KeywordClassifier:
        """Keyword lists per class from topic default classes (restricted to ``classes``)."""
        wanted = set(classes) if classes is not None else None
        keywords: dict[str, list[str]] = {}
        for topic in topics if topics is not None else load_topics():
            if wanted is not None and topic.default_class not in wanted:
                continue
            keywords.setdefault(topic.default_class, []).extend(topic.keywords)
        for c in sorted(wanted or ()):
            keywords.setdefault(c, [])
        return cls(keywords, fallback=fallback, mode=mode)

    @classmethod
    def for_labels(
        cls, labels: Iterable[str], *, fallback: str = OTHER, mode: str = "count"
    ) -> KeywordClassifier:
        """Community keyword lists when the labels are the community categories, else
        lists from the topic lexicon's default (government) classes."""
        wanted = set(labels)
        if wanted and wanted <= set(COMMUNITY_KEYWORDS):
            keywords = {c: COMMUNITY_KEYWORDS[c] for c in sorted(wanted)}
            return cls(keywords, fallback=fallback, mode=mode)
        return cls.from_topics(classes=wanted, fallback=fallback, mode=mode)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> KeywordClassifier:
        """Rules are fixed; only the fallback (most frequent label) is learned."""
        if len(labels):
            self.fallback = Counter(labels).most_common(1)[0][0]
        return self

    def categories(self, text: str) -> list[str]:
        """baisitong2's multi-label answer: every category with a hit, else ``其他``."""
        prepared = prepare(text).lower()
        hits = [
            c for c, words in self.keywords.items() if any(w.lower() in prepared for w in words)
        ]
        return hits or [OTHER]

    def predict_one(self, text: str) -> str:
        prepared = prepare(text).lower()
        best, best_hits = self.fallback, 0
        for category, words in self.keywords.items():
            hits = sum(1 for w in words if w in prepared)
            if self.mode == "first" and hits:
                return category
            if hits > best_hits:
                best, best_hits = category, hits
        return best

    def predict(self, texts: Iterable[str]) -> list[str]:
        return [self.predict_one(t) for t in texts]
