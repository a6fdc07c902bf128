"""The base layout: header, role-dependent navigation, language switch, 代办 banner, messages."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from gongzhi.core.testing.scope_matrix import build_world
from gongzhi.org.models import Role
from gongzhi.org.scopes import ANONYMOUS, scope_for
from gongzhi.org.tests import factories as f
from gongzhi.web import context_processors
from gongzhi.web.navigation import NAVIGATION, NavItem, links_for

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_nav_skips_pages_that_do_not_exist_yet():
    user = f.user_with_role(Role.GRID_WORKER, f.grid())
    items = (
        NavItem("web:home", "Home", frozenset({Role.GRID_WORKER})),
        NavItem("nowhere:yet", "Missing", frozenset({Role.GRID_WORKER})),
    )
    links = links_for(scope_for(user), items)
    assert [(link.url_name, link.url) for link in links] == [("web:home", "/")]


def test_nav_shows_only_entries_for_the_actors_roles():
    user = f.user_with_role(Role.RESIDENT, f.building())
    items = (
        NavItem("web:home", "Home", frozenset({Role.RESIDENT})),
        NavItem("accounts:password_change", "Staff only", frozenset({Role.GRID_WORKER})),
    )
    assert [link.url_name for link in links_for(scope_for(user), items)] == ["web:home"]


def test_nav_tries_kwargs_candidates_in_order():
    user = f.user_with_role(Role.GRID_WORKER, f.grid())
    item = NavItem(
        "web:home",
        "Home",
        frozenset({Role.GRID_WORKER}),
        (lambda s: None, lambda s: {"pk": 1}, lambda s: {}),
    )
    (link,) = links_for(scope_for(user), (item,))
    assert link.url == "/"


def test_nav_is_empty_for_anonymous_visitors():
    assert links_for(ANONYMOUS) == []


def test_platform_admin_gets_the_administration_link_and_residents_do_not():
    world = build_world()
    admin_links = {link.url_name for link in links_for(scope_for(world.users[Role.PLATFORM_ADMIN]))}
    resident_links = {link.url_name for link in links_for(scope_for(world.users[Role.RESIDENT]))}
    assert "admin:index" in admin_links
    assert "admin:index" not in resident_links
    assert "web:home" in resident_links


def test_every_nav_entry_has_roles_and_a_namespaced_url_name():
    for item in NAVIGATION:
        assert item.roles
        assert ":" in item.url_name


def test_header_shows_name_roles_logout_and_language_switch():
    world = build_world()
    body = _client(world.users[Role.GRID_WORKER]).get("/").content.decode()
    assert "grid_worker-person" in body
    # the role, in the page's language (its translation belongs to the org app)
    with translation.override("zh-hans"):
        assert f"<li>{Role.GRID_WORKER.label}</li>" in body
    assert "退出登录" in body
    assert f'action="{reverse("accounts:logout")}" method="post"' in body
    assert f'action="{reverse("set_language")}" method="post"' in body
    assert 'name="language" value="en"' in body
    assert reverse("accounts:password_change") in body
    assert 'href="/static/web/app.css"' in body
    assert "django_htmx/htmx-2.min.js" in body


def test_switching_language_shows_english_and_offers_chinese_back():
    world = build_world()
    client = _client(world.users[Role.GRID_WORKER])
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "My grid: 第一网格" in body
    assert "<li>Grid worker</li>" in body
    assert "Log out" in body
    assert 'name="language" value="zh-hans"' in body


def test_acting_for_banner_with_stop_button_when_the_stop_page_exists(monkeypatch):
    world = build_world()
    client = _client(world.users[Role.GRID_WORKER])
    session = client.session
    session["acting_for_name"] = "王建国"
    session.save()
    monkeypatch.setattr(
        context_processors,
        "try_reverse",
        lambda name, kwargs=None: "/org/act-for/stop/" if name == "org:act_for_stop" else None,
    )
    body = client.get("/").content.decode()
    assert "正在代办：王建国" in body
    assert 'action="/org/act-for/stop/" method="post"' in body
    assert "结束代办" in body


def test_acting_for_banner_without_stop_page_has_no_dead_button(monkeypatch):
    world = build_world()
    client = _client(world.users[Role.GRID_WORKER])
    session = client.session
    session["acting_for_name"] = "王建国"
    session.save()
    monkeypatch.setattr(context_processors, "try_reverse", lambda name, kwargs=None: None)
    body = client.get("/").content.decode()
    assert "正在代办：王建国" in body
    assert "结束代办" not in body


def test_no_banner_when_not_acting_for_anyone():
    world = build_world()
    body = _client(world.users[Role.GRID_WORKER]).get("/").content.decode()
    assert "正在代办" not in body


def test_context_processor_for_anonymous_request():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    ctx = context_processors.actor(request)
    assert ctx["nav_links"] == []
    assert ctx["role_labels"] == []
    assert ctx["display_name"] == ""
    assert ctx["acting_for_name"] == ""


def test_flash_messages_are_rendered_with_a_live_region():
    # given a page that leaves a success message (the password change)
    world = build_world()
    client = _client(world.users[Role.RESIDENT])
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "pass-1234-word",
            "new_password1": "Fresh-Pass-9876",
            "new_password2": "Fresh-Pass-9876",
        },
        follow=True,
    )
    # then the next page shows it in a polite live region
    body = response.content.decode()
    assert '<li class="msg msg-success"' in body
    assert 'role="status">密码已修改。</li>' in body


@pytest.mark.parametrize("role", list(Role.values))
def test_every_nav_link_opens_for_the_role_that_sees_it(role):
    # The menu must never lead a person to a page that refuses them.
    world = build_world()
    user = world.users[role]
    client = _client(user)
    for link in links_for(scope_for(user)):
        status = client.get(link.url).status_code
        assert status == 200, f"{role}: {link.url_name} {link.url} -> {status}"
