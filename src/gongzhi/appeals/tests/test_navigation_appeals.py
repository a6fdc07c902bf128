"""The appeals entries of the main navigation, by role, and the appeal figures of the home
pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.appeals.tests.factories import submit
from gongzhi.org.models import RoleAssignment
from gongzhi.org.scopes import scope_for
from gongzhi.web.navigation import links_for, try_reverse

APPEAL_PAGES = {
    "appeals:mine",
    "appeals:new",
    "wishes:wall",
    "appeals:inbox",
    "appeals:proxy_new",
    "appeals:community",
    "appeals:street",
    "appeals:ranking",
    "insights:dashboard",
    "appeals:notifications",
}


def nav(world, key: str) -> dict[str, str]:
    return {
        link.url_name: link.url
        for link in links_for(scope_for(world.users[key]))
        if link.url_name in APPEAL_PAGES
    }


def expected(*names: str) -> set[str]:
    """The entries that should appear: those whose page exists by now."""
    out = set()
    for name in names:
        kwargs = {"pk": 1} if name in ("appeals:community", "appeals:street") else None
        if try_reverse(name, kwargs) is not None:
            out.add(name)
    return out


@pytest.mark.parametrize(
    ("key", "names"),
    [
        ("resident_a1", ("appeals:mine", "appeals:new", "wishes:wall", "appeals:notifications")),
        (
            "worker_a1",
            ("appeals:inbox", "appeals:proxy_new", "insights:dashboard", "appeals:notifications"),
        ),
        (
            "secretary_a",
            (
                "appeals:inbox",
                "appeals:proxy_new",
                "appeals:community",
                "appeals:ranking",
                "insights:dashboard",
                "appeals:notifications",
            ),
        ),
        (
            "supervisor",
            (
                "appeals:inbox",
                "appeals:street",
                "appeals:ranking",
                "insights:dashboard",
                "appeals:notifications",
            ),
        ),
        ("partner_a", ("appeals:inbox", "appeals:notifications")),
    ],
)
def test_each_role_gets_its_appeal_pages(world, key, names):
    assert set(nav(world, key)) == expected(*names)


def test_overview_entries_point_at_the_actors_own_area(world):
    assert nav(world, "secretary_a")["appeals:community"] == reverse(
        "appeals:community", kwargs={"pk": world.comm_a.pk}
    )
    assert nav(world, "supervisor")["appeals:street"] == reverse(
        "appeals:street", kwargs={"pk": world.street.pk}
    )
    # Every linked page answers the person it is shown to.
    for key in ("resident_a1", "worker_a1", "secretary_a", "supervisor", "partner_a"):
        client = Client()
        client.force_login(world.users[key])
        for name, url in nav(world, key).items():
            if name.startswith("appeals:") and name in {
                "appeals:inbox",
                "appeals:community",
                "appeals:street",
                "appeals:ranking",
                "appeals:notifications",
            }:
                assert client.get(url).status_code == 200, (key, name)


def test_party_members_get_the_wish_wall(world):
    from gongzhi.org.models import Role

    person = world.person("worker_b1")
    RoleAssignment.objects.create(person=person, role=Role.PARTY_MEMBER, region=world.comm_b)
    user = world.users["worker_b1"]
    user.__dict__.pop("_gongzhi_scope", None)
    names = {link.url_name for link in links_for(scope_for(user))}
    assert ("wishes:wall" in names) == (try_reverse("wishes:wall") is not None)


# --- home pages ---------------------------------------------------------------------------------


def home(world, key: str) -> str:
    client = Client()
    client.force_login(world.users[key])
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode()


def stat(n: int, label: str) -> str:
    return f'<span class="n">{n}</span><span class="label">{label}</span>'


def test_grid_worker_home_shows_due_and_overdue_with_a_link_to_the_inbox(world):
    submit(world)
    submit(world, category_code="property.elevator", text="电梯坏了好几天")
    submit(world, "resident_a2", text="二网格的路灯也坏了")
    body = home(world, "worker_a1")
    assert stat(2, "未办结诉求") in body  # grid A1 only, not A2's
    assert stat(2, "已超期") in body
    assert f'href="{reverse("appeals:inbox")}"' in body


def test_resident_home_shows_their_open_appeals(world):
    submit(world)
    submit(world, text="楼道灯也不亮了")
    assert "您有 2 条诉求尚未办结。" in home(world, "resident_a1")
    assert "尚未办结" not in home(world, "resident_b1")


def test_secretary_and_supervisor_homes_show_the_rates_this_month(world):
    submit(world, now=None)  # today: in this month's rates
    body = home(world, "secretary_a")
    assert "本月响应率" in body and "本月满意率" in body
    assert stat(1, "未办结诉求") in body
    assert reverse("appeals:community", kwargs={"pk": world.comm_a.pk}) in body
    body = home(world, "supervisor")
    assert reverse("appeals:street", kwargs={"pk": world.street.pk}) in body


def test_partner_home_counts_only_assigned_appeals(world):
    submit(world, category_code="property.elevator", text="电梯坏了好几天")
    submit(world)
    assert stat(1, "未办结诉求") in home(world, "partner_a")


def _home_queries(world, key: str) -> int:
    client = Client()
    client.force_login(world.users[key])
    client.get(reverse("web:home"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("web:home"))
    return len(ctx.captured_queries)


@pytest.mark.parametrize("key", ["resident_a1", "worker_a1", "secretary_a", "supervisor"])
def test_home_queries_do_not_grow_with_the_appeals(world, key):
    submit(world)
    few = _home_queries(world, key)
    for i in range(8):
        who = ("resident_a1", "resident_a2", "resident_b1")[i % 3]
        submit(world, who, text=f"第{i}个问题：路灯坏了")
    assert _home_queries(world, key) == few
