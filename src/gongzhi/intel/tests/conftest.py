"""Small generated corpora for the intel tests (no real appeals, no Django)."""

from __future__ import annotations

import random

import pytest

from gongzhi.intel.classifier import Model, train

TEMPLATES = {
    "物业": [
        "{p}物业公司不作为，楼道垃圾没人清理",
        "{p}物业费上涨但服务很差，业委会不管",
        "{p}物业把车位只租不售，停车费太贵",
        "{p}门禁坏了物业一直不修",
    ],
    "噪音": [
        "{p}工地夜间施工噪音扰民，凌晨还在施工",
        "{p}楼下KTV每天晚上很吵，无法休息",
        "{p}广场舞音响太大声，噪音严重",
        "{p}夜宵摊吵到半夜，居民睡不着",
    ],
    "交通": [
        "{p}公交车班次太少，等车要一个小时",
        "{p}希望增设公交站点，方便居民出行",
        "{p}地铁站出口太远，换乘不方便",
        "{p}出租车拒载绕路，网约车乱收费",
    ],
}
PLACES = ["幸福小区", "阳光花园3栋", "人民路12号", "锦绣家园", "滨江新村", "东风路口"]


def make_corpus(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    classes = sorted(TEMPLATES)
    for i in range(n):
        label = classes[i % len(classes)]
        texts.append(rng.choice(TEMPLATES[label]).format(p=rng.choice(PLACES)))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return make_corpus(90)


@pytest.fixture(scope="session")
def tiny_model(corpus) -> Model:
    texts, labels = corpus
    return train(texts, labels)
