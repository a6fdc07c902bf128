from __future__ import annotations

import json

import pytest

from gongzhi.intel.classifier import Model, ModelError, Router, TrainConfig, train
from gongzhi.intel.keyword_baseline import KeywordClassifier
from gongzhi.intel.lexicon import TopicMatcher, load_topics, topics_from_taxonomy

from .conftest import make_corpus


def test_shipped_lexicon_loads():
    topics = load_topics()
    assert len(topics) > 30
    assert {t.default_class for t in topics} >= {"城乡建设", "环境保护", "交通运输", "卫生计生"}


def test_taxonomy_rows_become_topics():
    rows = [
        ("一级分类", "二级分类", "三级分类"),
        ("城乡建设", "住房保障与房地产", "房产证登记、办理"),
        ("城乡建设", "住房保障与房地产", "其他"),
        ("环境保护", "环境污染", "噪音污染"),
    ]
    topics = {t.name: t for t in topics_from_taxonomy(rows)}
    housing = topics["tree:城乡建设/住房保障与房地产"]
    assert housing.default_class == "城乡建设"
    assert {"住房保障", "房地产", "房产证登记"} <= set(housing.keywords)
    assert "其他" not in housing.keywords
    matcher = TopicMatcher(list(topics.values()))
    assert matcher.hits(["噪音污染", "严重"]) == [(1, "噪音污染")]


def test_training_learns_generated_corpus(tiny_model, corpus):
    # given a model trained on a small generated corpus
    texts, labels = make_corpus(30, seed=7)
    # when it predicts unseen texts from the same generator
    predicted = tiny_model.predict_labels(texts)
    # then nearly all are right
    right = sum(p == y for p, y in zip(predicted, labels, strict=True))
    assert right / len(labels) >= 0.9
    assert tiny_model.classes == ["交通", "噪音", "物业"]


def test_confidence_is_a_probability_and_terms_explain(tiny_model):
    predictions = tiny_model.predict(["工地夜间施工噪音太大", "", "🙂", "x" * 100_000])
    for p in predictions:
        assert 0.0 <= p.confidence <= 1.0
        assert p.label in tiny_model.classes
    assert predictions[0].label == "噪音"
    terms = predictions[0].top_terms
    assert terms and all(t.startswith("#") or t in "工地夜间施工噪音太大" for t in terms)


def test_predict_empty_list(tiny_model):
    assert tiny_model.predict([]) == []


def test_save_load_round_trip(tiny_model, tmp_path):
    target = tiny_model.save(tmp_path / "m")
    meta = json.loads((target / "metadata.json").read_text(encoding="utf-8"))
    assert meta["classes"] == tiny_model.classes
    assert meta["training_size"] == 90
    assert meta["format"] == 1 and meta["version"] and meta["created"]
    loaded = Model.load(target)
    texts, _ = make_corpus(12, seed=3)
    assert loaded.predict_labels(texts) == tiny_model.predict_labels(texts)


def test_load_rejects_non_model_directory(tmp_path):
    with pytest.raises(ModelError, match="not a model directory"):
        Model.load(tmp_path)
    (tmp_path / "model.joblib").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="cannot read"):
        Model.load(tmp_path)


def test_training_input_errors():
    with pytest.raises(ModelError, match="no labelled texts"):
        train(["", "  "], ["a", "b"])
    with pytest.raises(ModelError, match="two different labels"):
        train(["甲", "乙", "丙"], ["a", "a", "a"])


def test_rare_labels_are_learned_not_refused(corpus):
    texts, labels = corpus
    model = train([*texts, "电梯困人没人管"], [*labels, "电梯"])
    assert "电梯" in model.classes
    assert model.metadata["class_counts"]["电梯"] == 1
    assert model.predict_labels(["小区物业不作为"]) == ["物业"]


def test_training_with_unlabelled_and_prior(corpus):
    texts, labels = corpus
    unlabelled, _ = make_corpus(30, seed=5)
    model = train(
        texts[:30],
        labels[:30],
        unlabelled=unlabelled,
        prior=[("地铁站太远了", "交通"), ("不相干的类", "其他")],
        config=TrainConfig(self_training_rounds=1),
    )
    assert model.metadata["unlabelled_size"] == 30
    assert model.metadata["pseudo_labelled"] > 0
    assert model.metadata["prior_size"] == 1  # the unknown class is ignored
    assert model.predict_labels(["公交班次太少"]) == ["交通"]


def test_router_needs_person_when_unsure(tiny_model):
    sure = Router(tiny_model, threshold=0.0).suggest("楼下KTV噪音扰民，晚上很吵")
    assert sure.category == "噪音" and not sure.needs_person and sure.reasons
    strict = Router(tiny_model, threshold=1.0).suggest("楼下KTV噪音扰民，晚上很吵")
    assert strict.needs_person
    empty = Router(tiny_model).suggest("")
    assert empty.needs_person and empty.confidence == 0.0
    # a text with no known word carries no evidence: uniform confidence, a person decides
    unknown = Router(tiny_model, threshold=0.5).suggest("今天天气不错")
    assert unknown.needs_person and unknown.confidence == pytest.approx(1 / 3)
    many = Router(tiny_model, threshold=0.5).suggest_many(["公交太少", None])
    assert many[0].category == "交通" and many[1].needs_person
    with pytest.raises(ValueError):
        Router(tiny_model, threshold=1.5)


def test_router_label_map(tiny_model):
    router = Router(tiny_model, label_map={"噪音": "environment.noise"})
    assert "environment.noise" in router.categories and "交通" in router.categories
    assert router.suggest("楼下KTV噪音扰民").category == "environment.noise"


def test_keyword_baseline():
    kw = KeywordClassifier.from_topics(classes=["环境保护", "交通运输"])
    assert kw.predict(["楼下KTV噪音扰民", "公交车班次太少", "完全无关"]) == [
        "环境保护",
        "交通运输",
        "其他",
    ]
    kw.fit(["x", "y", "z"], ["交通运输", "交通运输", "环境保护"])
    assert kw.predict_one("完全无关") == "交通运输"
    assert KeywordClassifier({"甲": ["噪音"]}).categories("没有") == ["其他"]


def test_keyword_baseline_for_community_labels():
    kw = KeywordClassifier.for_labels(["噪音扰民", "物业管理"])
    assert set(kw.keywords) == {"噪音扰民", "物业管理"}
    assert kw.predict_one("物业费太贵了") == "物业管理"
    gov = KeywordClassifier.for_labels(["环境保护", "交通运输"])
    assert gov.predict_one("公交车太少") == "交通运输"


def test_generated_corpus_is_deterministic_and_varied():
    from gongzhi.intel.synthetic import LABEL_SETS, generate

    first = [a.text for a in generate(50, scheme="gov", seed=3)]
    assert first == [a.text for a in generate(50, scheme="gov", seed=3)]
    assert first != [a.text for a in generate(50, scheme="gov", seed=4)]
    appeals = list(generate(300, scheme="community", seed=1, noise=1.0))
    assert {a.label for a in appeals} == set(LABEL_SETS["community"])
    a_texts = {a.text for a in generate(200, scheme="gov", seed=1, variant="a", noise=0)}
    b_texts = {a.text for a in generate(200, scheme="gov", seed=1, variant="b", noise=0)}
    assert not a_texts & b_texts
    with pytest.raises(ValueError):
        list(generate(1, scheme="nope"))


def test_shipped_default_model():
    from gongzhi.intel import default_model

    files = list(default_model.DEFAULT_MODEL_DIR.iterdir())
    assert sum(f.stat().st_size for f in files) < 5 * 1024 * 1024
    router = default_model.default_router()
    assert "噪音扰民" in router.categories
    suggestion = router.suggest("楼下KTV每天半夜很吵，噪音扰民")
    assert suggestion.category == "噪音扰民" and not suggestion.needs_person
    meta = json.loads((default_model.DEFAULT_MODEL_DIR / "metadata.json").read_text("utf-8"))
    assert meta["source"].startswith("generated corpus")


def test_predict_proba_rows_sum_to_one(tiny_model):
    proba = tiny_model.predict_proba(["物业不作为", "公交太少", "无关的话"])
    assert proba.shape == (3, 3)
    assert abs(proba.sum(axis=1) - 1).max() < 1e-3
