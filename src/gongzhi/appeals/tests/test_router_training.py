"""The trained classifier as the appeals router: retrain from the database, publish, route."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongzhi.appeals import config, routing
from gongzhi.appeals.router_intel import ModelRouter, current_version, publish
from gongzhi.appeals.router_training import train_from_database
from gongzhi.appeals.tests.factories import Street, submit
from gongzhi.core.errors import ValidationFailed
from gongzhi.intel.classifier import train

TEXTS = {
    "utilities.water": [
        "家里停水了一整天",
        "自来水管爆了在漏水",
        "水压太低洗不了澡",
        "水龙头出黄水",
    ],
    "dispute.noise": [
        "楼上半夜蹦迪很吵",
        "广场舞音响太响了",
        "装修电钻声吵得睡不着",
        "夜里KTV噪音扰民",
    ],
    "property.elevator": [
        "电梯困人了快来",
        "电梯门关不上",
        "电梯运行异响很吓人",
        "电梯按钮坏了不能用",
    ],
}


def _file_history(world: Street, rounds: int = 2) -> None:
    for _round in range(rounds):
        for code, texts in TEXTS.items():
            for text in texts:
                submit(world, text=text, category_code=code)


@pytest.fixture
def model_dir(settings, tmp_path: Path) -> Path:
    settings.GONGZHI_APPEAL_MODEL_DIR = tmp_path / "models"
    routing._auto = None
    yield settings.GONGZHI_APPEAL_MODEL_DIR
    routing._auto = None


def test_publish_makes_a_model_current_and_the_router_loads_it(tmp_path: Path) -> None:
    # given a model trained on two categories
    model = train(
        ["停水了", "没有水", "电梯坏了", "电梯困人"], ["water", "water", "lift", "lift"], prior=None
    )
    assert current_version(tmp_path) is None
    # when it is published
    target = publish(model, tmp_path)
    # then it is current and the router suggests with it
    assert current_version(tmp_path) == target.name
    suggestion = ModelRouter(tmp_path).suggest("电梯又坏了")
    assert suggestion.category == "lift"


def test_without_a_published_model_the_router_says_so(tmp_path: Path) -> None:
    router = ModelRouter(tmp_path)
    assert router.current() is None
    with pytest.raises(LookupError):
        router.suggest("停水")


def test_retrain_from_the_database_publishes_and_auto_routing_uses_it(
    world: Street, model_dir: Path, settings
) -> None:
    # given residents who chose categories for their appeals
    _file_history(world)
    # when the platform retrains
    report = train_from_database(holdout=0.25, min_per_class=3)
    # then it measured itself against the keyword router and published a model
    assert report.examples == 24 and report.classes == 3
    assert report.model_macro_f1 is not None and report.keyword_macro_f1 is not None
    assert report.published == current_version(model_dir)
    # and intake in "auto" mode routes with the trained model
    settings.GONGZHI_APPEAL_ROUTER = "auto"
    suggestion, category = routing.suggest(config.get_config(), "电梯门关不上了")
    assert suggestion.category_code == "property.elevator"
    assert category is not None and category.code == "property.elevator"


def test_auto_routing_falls_back_to_keywords_without_a_model(
    world: Street, model_dir: Path, settings
) -> None:
    settings.GONGZHI_APPEAL_ROUTER = "auto"
    suggestion, _category = routing.suggest(config.get_config(), "路灯不亮了")
    assert suggestion.category_code == "municipal.light"


def test_too_little_history_is_a_clear_error(world: Street, model_dir: Path) -> None:
    submit(world, text="家里停水了一整天", category_code="utilities.water")
    with pytest.raises(ValidationFailed) as raised:
        train_from_database()
    assert raised.value.field == "appeals"
    assert current_version(model_dir) is None


def test_the_command_reports_figures_and_publishes(world: Street, model_dir: Path) -> None:
    _file_history(world)
    out = StringIO()
    call_command("appeals_train", "--min-per-class", "3", "--holdout", "0.25", stdout=out)
    text = out.getvalue()
    assert "24 confirmed appeals in 3 categories" in text
    assert "held-out macro-F1: model" in text
    assert f"published model {current_version(model_dir)}" in text
    # a second run with --if-missing leaves the published model alone
    out = StringIO()
    call_command("appeals_train", "--if-missing", stdout=out)
    assert "published already" in out.getvalue()


def test_the_command_turns_domain_errors_into_command_errors(
    world: Street, model_dir: Path
) -> None:
    with pytest.raises(CommandError):
        call_command("appeals_train", stdout=StringIO())
