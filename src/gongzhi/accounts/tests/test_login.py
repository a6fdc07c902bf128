"""Logging in with a phone number or a username, lockout, logout, and the language switch."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # the factories' password


def _login(client: Client, login: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": login, "password": password})


def test_login_page_is_in_chinese_by_default():
    body = Client().get(reverse("accounts:login")).content.decode()
    assert "<h1>登录</h1>" in body
    assert "手机号或用户名" in body
    assert '<html lang="zh-Hans">' in body


def test_login_page_in_english_after_switching_language():
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    body = client.get(reverse("accounts:login")).content.decode()
    assert "<h1>Log in</h1>" in body
    assert "Phone or username" in body
    assert "登录" not in body


def test_login_with_phone_number_goes_home():
    user = f.UserFactory(phone="13912345678")
    client = Client()
    response = _login(client, "13912345678")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).wsgi_request.user == user


def test_login_with_username():
    f.UserFactory(username="zhangsan")
    response = _login(Client(), "zhangsan")
    assert response.status_code == 302


def test_login_follows_a_safe_next_but_not_an_outside_one():
    f.UserFactory(username="lisi")
    client = Client()
    url = reverse("accounts:login")
    response = client.post(
        url, {"username": "lisi", "password": PASSWORD, "next": reverse("accounts:password_change")}
    )
    assert response["Location"] == reverse("accounts:password_change")
    client.logout()
    response = client.post(
        url, {"username": "lisi", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("web:home")


def test_wrong_password_re_renders_with_a_chinese_message():
    f.UserFactory(username="wangwu")
    response = _login(Client(), "wangwu", "wrong-password")
    assert response.status_code == 200
    assert "手机号或用户名与密码不匹配" in response.content.decode()


def test_empty_form_re_renders_with_field_errors_not_a_500():
    response = Client().post(reverse("accounts:login"), {})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_inactive_account_cannot_log_in():
    f.UserFactory(username="gone", is_active=False)
    response = _login(Client(), "gone")
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_logged_in_user_visiting_login_is_sent_home():
    client = Client()
    client.force_login(f.UserFactory())
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_lockout_after_too_many_failures_says_when_to_retry(settings):
    # given a limit of 3 failures
    settings.AXES_FAILURE_LIMIT = 3
    f.UserFactory(username="zhaoliu")
    client = Client()
    # when the password is wrong 3 times
    statuses = [_login(client, "zhaoliu", "nope").status_code for _ in range(3)]
    # then the third attempt is refused with 429 and a page saying when to retry, whom to ask
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    response = _login(client, "zhaoliu")  # even the right password is refused now
    assert response.status_code == 429
    body = response.content.decode()
    assert "尝试次数过多" in body
    assert "请在 30 分钟后再试" in body
    assert "社区办公室" in body
    assert "_auth_user_id" not in client.session


def test_lockout_page_in_english(settings):
    settings.AXES_FAILURE_LIMIT = 1
    f.UserFactory(username="english")
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = _login(client, "english", "nope")
    assert response.status_code == 429
    assert "Please try again in 30 minutes." in response.content.decode()


def test_logout_is_post_only():
    user = f.user_with_role(Role.RESIDENT, f.building())
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("web:home")).status_code == 302  # logged out now
