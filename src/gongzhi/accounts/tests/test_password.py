"""Changing one's own password, and the production password hasher."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import Client
from django.urls import reverse

from gongzhi.accounts import services
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db

OLD = "pass-1234-word"
NEW = "Fresh-Pass-9876"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, old: str, new1: str, new2: str | None = None):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_password_change_page_needs_login():
    response = Client().get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_change_password_keeps_the_person_logged_in_and_is_audited():
    building = f.building()
    user = f.user_with_role(Role.RESIDENT, building)
    client = _client(user)
    response = _post(client, OLD, NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    user.refresh_from_db()
    assert user.check_password(NEW)
    # still logged in on this device
    assert client.get(reverse("web:home")).status_code == 200
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.actor == user
    assert event.scope_path == building.path
    assert NEW not in str(event.before) + str(event.after)


def test_wrong_current_password_is_refused_with_a_chinese_message():
    user = f.UserFactory()
    response = _post(_client(user), "not-my-password", NEW)
    assert response.status_code == 200
    assert "当前密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD)
    assert not AuditEvent.objects.exists()


def test_mismatched_new_passwords_are_refused():
    user = f.UserFactory()
    response = _post(_client(user), OLD, NEW, "Other-Pass-5432")
    assert response.status_code == 200
    assert "两次输入的新密码不一致" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_weak_new_password_is_refused_by_the_validators():
    user = f.UserFactory()
    response = _post(_client(user), OLD, "123")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_new_password1_errors"' in body
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_service_refuses_reusing_the_current_password():
    user = f.UserFactory()
    with pytest.raises(ValidationFailed) as err:
        services.change_own_password(actor=user, old_password=OLD, new_password=OLD)
    assert err.value.field == "new_password1"


def test_argon2_is_the_first_hasher_outside_tests(tmp_path: Path):
    # given the settings module loaded the way production loads it (no pytest in the process)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"GONGZHI_TESTING", "DEBUG", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        {
            "SECRET_KEY": "a-production-like-secret",
            "GONGZHI_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    code = "import gongzhi.settings as s; print(s.TESTING); print(s.PASSWORD_HASHERS[0])"
    out = subprocess.run(  # noqa: S603 - fixed command, our own interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    # then the first hasher, the one new passwords get, is Argon2
    assert out == ["False", "django.contrib.auth.hashers.Argon2PasswordHasher"]


def test_argon2_hashes_and_verifies_here():
    # argon2-cffi is installed and works, so the production hasher is usable
    hashed = make_password("a secret", hasher="argon2")
    assert hashed.startswith("argon2$")
    assert check_password("a secret", hashed)
