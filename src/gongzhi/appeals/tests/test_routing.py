from dataclasses import dataclass

import pytest

from gongzhi.appeals import routing
from gongzhi.appeals.config import CategoryInfo, get_config
from gongzhi.appeals.geo import parse_shape
from gongzhi.appeals.models import GRID_UNIT, Category
from gongzhi.appeals.routing import KeywordRouter, locate, route_owner, suggest
from gongzhi.appeals.services_config import set_responsibility_rule
from gongzhi.appeals.tests.factories import square
from gongzhi.core.errors import ValidationFailed
from gongzhi.org.models import PartnerKind, PartnerUnit


def _cat(pk, code, keywords, *, parent_id=1, active=True):
    return CategoryInfo(
        pk, code, code, parent_id, "general", GRID_UNIT, tuple(keywords.split()), active, True
    )


# --- the keyword router (pure) ---------------------------------------------------------------


def test_keyword_router_picks_the_category_whose_keywords_match():
    router = KeywordRouter(
        [_cat(2, "utilities.water", "停水 水压 自来水"), _cat(3, "municipal.light", "路灯 不亮")]
    )
    s = router.suggest("我们楼从昨晚开始停水，自来水一直没来")
    assert s.category_code == "utilities.water"
    assert s.category == "utilities.water"  # the name the intel router uses
    assert set(s.reasons) == {"停水", "自来水"}
    assert s.confidence > 0.9 and not s.needs_person


def test_keyword_router_is_unsure_when_two_categories_match_equally():
    router = KeywordRouter([_cat(2, "a.one", "噪音"), _cat(3, "b.two", "油烟")])
    s = router.suggest("楼下饭店噪音和油烟都很大")
    assert s.category_code == "a.one"  # ties break by code, deterministically
    assert s.confidence == pytest.approx(0.5 * (1 - 2.718281828**-1), rel=1e-3)
    assert s.needs_person


def test_keyword_router_falls_back_without_a_match_or_text():
    router = KeywordRouter([_cat(2, "a.one", "噪音")], fallback="other.general")
    for text in ("随便说点什么", "", "  ！！ "):
        s = router.suggest(text)
        assert s.category_code == "other.general"
        assert s.confidence == 0.0 and s.needs_person


def test_keyword_router_ignores_inactive_and_parent_categories_and_normalises_width():
    router = KeywordRouter(
        [
            _cat(2, "a.one", "ABC", active=False),
            CategoryInfo(3, "top", "top", None, "general", GRID_UNIT, ("ABC",), True, False),
            _cat(4, "b.two", "abc"),
        ]
    )
    assert router.suggest("ＡＢＣ坏了").category_code == "b.two"


# --- the configured router --------------------------------------------------------------------


@dataclass(frozen=True)
class IntelLikeSuggestion:
    category: str
    confidence: float
    needs_person: bool
    reasons: tuple[str, ...]


class FixedRouter:
    def __init__(self, code):
        self.code = code

    def suggest(self, text):
        return IntelLikeSuggestion(self.code, 0.93, False, ("model",))


def make_water_router():
    return FixedRouter("utilities.water")


def make_unknown_router():
    return FixedRouter("城乡建设")


def test_a_router_from_the_setting_is_used_and_its_category_field_read(world, settings):
    settings.GONGZHI_APPEAL_ROUTER = f"{__name__}:make_water_router"
    suggestion, category = suggest(get_config(), "路灯坏了")
    assert category.code == "utilities.water"
    assert suggestion == routing.Suggestion("utilities.water", 0.93, False, ("model",))


def test_a_label_the_platform_does_not_know_falls_back_and_needs_a_person(world, settings):
    settings.GONGZHI_APPEAL_ROUTER = f"{__name__}:make_unknown_router"
    suggestion, category = suggest(get_config(), "随便")
    assert category.code == "other.general"
    assert suggestion.needs_person


def test_default_categories_route_common_texts(world):
    config = get_config()
    cases = {
        "3栋从早上开始停水了，什么时候来水": "utilities.water",
        "楼下广场舞噪音太大，半夜还在放": "dispute.noise",
        "闻到很重的煤气味，可能燃气泄漏": "safety.hazard",
        "电梯又坏了，老人上不了楼": "property.elevator",
        "垃圾站的垃圾好几天没清运": "sanitation.garbage",
    }
    for text, code in cases.items():
        assert suggest(config, text)[0].category_code == code, text


# --- place --------------------------------------------------------------------------------------


def test_a_building_gives_its_grid_community_and_street(world):
    place = locate(get_config(), building_id=world.building_a2.pk)
    assert (place.street_id, place.community_id, place.grid_id, place.building_id) == (
        world.street.pk,
        world.comm_a.pk,
        world.grid_a2.pk,
        world.building_a2.pk,
    )
    assert place.scope_path == world.building_a2.path


def test_a_map_point_falls_in_its_grid(world):
    config = get_config()
    assert locate(config, latitude=32.31, longitude=118.305).grid_id == world.grid_a1.pk
    assert locate(config, latitude=32.31, longitude=118.315).grid_id == world.grid_a2.pk
    assert locate(config, latitude=32.31, longitude=118.41).grid_id == world.grid_b1.pk


def test_a_point_outside_the_community_is_a_clear_error_on_location(world):
    config = get_config()
    with pytest.raises(ValidationFailed) as err:
        locate(config, latitude=32.31, longitude=118.41, within_path=world.comm_a.path)
    assert err.value.field == "location"
    with pytest.raises(ValidationFailed) as err:
        locate(config, latitude=10.0, longitude=10.0)
    assert err.value.field == "location"
    with pytest.raises(ValidationFailed) as err:
        locate(config, building_id=world.building_b1.pk, within_path=world.comm_a.path)
    assert err.value.field == "location"


def test_place_inputs_are_checked(world):
    config = get_config()
    with pytest.raises(ValidationFailed) as err:
        locate(config)
    assert err.value.field == "location"
    with pytest.raises(ValidationFailed) as err:
        locate(config, building_id=world.grid_a1.pk)
    assert err.value.field == "building"
    with pytest.raises(ValidationFailed) as err:
        locate(config, latitude=float("nan"), longitude=1.0)
    assert err.value.field == "location"


def test_shapes_with_holes_and_multipolygons():
    donut = parse_shape(
        {
            "type": "Polygon",
            "coordinates": [
                [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
                [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
            ],
        }
    )
    assert donut.contains(1, 1) and not donut.contains(5, 5) and not donut.contains(11, 5)
    multi = parse_shape(
        {
            "type": "MultiPolygon",
            "coordinates": [square(0, 0, 1, 1)["coordinates"], square(5, 5, 6, 6)["coordinates"]],
        }
    )
    assert multi.contains(0.5, 0.5) and multi.contains(5.5, 5.5) and not multi.contains(3, 3)
    for junk in (
        None,
        {},
        {"type": "Point", "coordinates": [1, 2]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1]]]},
        {"type": "Polygon"},
    ):
        assert parse_shape(junk) is None


# --- owner --------------------------------------------------------------------------------------


def test_grid_categories_go_to_the_grid_worker(world):
    config = get_config()
    place = locate(config, building_id=world.building_a1.pk)
    owner = route_owner(config, place, config.category("municipal.light"))
    assert owner == routing.Owner(GRID_UNIT, world.person("worker_a1").pk, None)


def test_property_categories_go_to_the_property_company_serving_the_place(world):
    config = get_config()
    place = locate(config, building_id=world.building_a2.pk)
    owner = route_owner(config, place, config.category("property.elevator"))
    assert owner == routing.Owner(PartnerKind.PROPERTY, None, world.partner_a.pk)


def test_the_nearest_partner_wins_and_without_one_the_grid_worker_takes_it(world):
    grid_company = PartnerUnit.objects.create(
        name="二网格物业", kind=PartnerKind.PROPERTY, region=world.grid_a2
    )
    config = get_config()
    elevator = config.category("property.elevator")
    a2 = locate(config, building_id=world.building_a2.pk)
    assert route_owner(config, a2, elevator).partner_id == grid_company.pk
    world.partner_a.is_active = False
    world.partner_a.save()
    config = get_config()
    a1 = locate(config, building_id=world.building_a1.pk)
    assert route_owner(config, a1, elevator) == routing.Owner(
        GRID_UNIT, world.person("worker_a1").pk, None
    )


def test_the_community_responsibility_list_overrides_the_category(world):
    # Given: community A puts street lights on its property company.
    light = Category.objects.get(code="municipal.light")
    set_responsibility_rule(
        actor=world.users["secretary_a"],
        community=world.comm_a,
        category=light,
        unit_type=PartnerKind.PROPERTY,
    )
    config = get_config()
    a1 = locate(config, building_id=world.building_a1.pk)
    b1 = locate(config, building_id=world.building_b1.pk)
    # Then: in A the property company gets it; B is unchanged.
    assert route_owner(config, a1, config.category("municipal.light")).partner_id == (
        world.partner_a.pk
    )
    assert route_owner(config, b1, config.category("municipal.light")).person_id == (
        world.person("worker_b1").pk
    )
