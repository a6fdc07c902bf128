"""Topic lexicon: what the platform knows about appeal topics without any labels.

A *topic* is a small family of words about one kind of problem (noise, unpaid wages,
bus lines, ...) with the government class it usually belongs to.  The classifier turns
each topic into one pooled feature (so a word never seen in a community's training data
still counts through its topic) and learns from the labels which class each topic
means; the keyword baseline and the corpus generator use the default classes directly.

Topics come from ``data/topics.tsv`` (shipped, written for this project) and, when a
category tree is given (``一级分类,二级分类,三级分类`` CSV, as published for government
hotlines), from the names in that tree: see :func:`topics_from_taxonomy`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gongzhi.intel.text import DATA_DIR, normalise

logger = logging.getLogger(__name__)

DEFAULT_TOPICS = DATA_DIR / "topics.tsv"


@dataclass(frozen=True)
class Topic:
    name: str
    default_class: str
    keywords: tuple[str, ...]


def parse_topics(text: str) -> list[Topic]:
    """Parse the ``topic<TAB>class<TAB>keywords`` format; bad lines are skipped."""
    topics: list[Topic] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            logger.warning("topic line skipped (needs 3 tab-separated fields): %r", line[:80])
            continue
        name, cls, words = parts[0].strip(), normalise(parts[1]), parts[2]
        keywords = tuple(dict.fromkeys(k for w in words.split() if (k := normalise(w).lower())))
        if name and cls and keywords:
            topics.append(Topic(name, cls, keywords))
    return topics


def load_topics(path: str | Path | None = None) -> list[Topic]:
    """The shipped topic lexicon, or the one at ``path``."""
    target = Path(path) if path else DEFAULT_TOPICS
    try:
        return parse_topics(target.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("cannot read topic lexicon %s: %s", target, exc)
        return []


_SPLIT_RE = re.compile(r"[、,，/及与和()（）\s]+")
_GENERIC = frozenset({"其他", "管理", "问题", "其它", "政策", "服务", "建设"})


def _name_keywords(name: str) -> list[str]:
    name = normalise(name)
    out = [name] if 2 <= len(name) <= 8 and name not in _GENERIC else []
    for part in _SPLIT_RE.split(name):
        part = part.strip()
        if 2 <= len(part) <= 8 and part not in _GENERIC and part != name:
            out.append(part)
    return out


def topics_from_taxonomy(rows: Iterable[Sequence[str]]) -> list[Topic]:
    """Topics from a three-level category tree: one topic per (level 1, level 2) node.

    Each topic's keywords are the names of the node and of its level-3 children (and
    their parts split at 、/和/与/及), so "住房保障与房地产 > 房产证登记、办理" gives
    住房保障, 房地产, 房产证登记 ...  Rows are (level1, level2, level3); a header row
    is recognised and skipped.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if len(row) < 2:
            continue
        l1, l2 = normalise(row[0]), normalise(row[1])
        l3 = normalise(row[2]) if len(row) > 2 else ""
        if not l1 or not l2 or l1 in {"一级分类", "level1", "category"}:
            continue
        words = groups.setdefault((l1, l2), _name_keywords(l2))
        if l3:
            words.extend(_name_keywords(l3))
    topics = []
    for (l1, l2), words in groups.items():
        keywords = tuple(dict.fromkeys(w.lower() for w in words))
        if keywords:
            topics.append(Topic(f"tree:{l1}/{l2}", l1, keywords))
    return topics


def read_taxonomy_csv(path: str | Path) -> list[Topic]:
    """Read a category-tree CSV file (UTF-8 or GB18030) into topics."""
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}: not UTF-8 or GB18030 text")
    return topics_from_taxonomy(csv.reader(io.StringIO(content)))


class TopicMatcher:
    """Counts topic keyword hits in a token list (and in adjacent token pairs)."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = list(topics)
        self.names = [t.name for t in self.topics]
        self.index: dict[str, list[int]] = {}
        for i, topic in enumerate(self.topics):
            for kw in topic.keywords:
                self.index.setdefault(kw, []).append(i)

    @property
    def keywords(self) -> list[str]:
        return list(self.index)

    def hits(self, tokens: Sequence[str]) -> list[tuple[int, str]]:
        """(topic index, keyword) for every keyword occurrence in ``tokens``."""
        index = self.index
        out: list[tuple[int, str]] = []
        prev = ""
        for tok in tokens:
            found = index.get(tok)
            if found is not None:
                out.extend((i, tok) for i in found)
            elif prev:
                pair = prev + tok
                found = index.get(pair)
                if found is not None:
                    out.extend((i, pair) for i in found)
            prev = tok
        return out
