"""Login protection and security headers."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory


@pytest.fixture
def lockout_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.8")


def test_repeated_failed_logins_lock_the_account_from_that_address(client, db, lockout_on):
    user = UserFactory(username="target")
    for _ in range(2):
        assert attempt(client, "target", "wrong").status_code == 200
    assert attempt(client, "target", "wrong").status_code == 429  # the third failure locks
    locked = attempt(client, "target", "pw-for-tests-123")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another person behind the same office address is not locked out.
    other = UserFactory(username="colleague")
    assert attempt(client, other.username, "pw-for-tests-123").status_code == 302
    assert user.pk  # the account itself is untouched


def test_a_successful_login_resets_the_count(client, db, lockout_on):
    UserFactory(username="target")
    attempt(client, "target", "wrong")
    attempt(client, "target", "wrong")
    assert attempt(client, "target", "pw-for-tests-123").status_code == 302
    client.logout()
    attempt(client, "target", "wrong")
    assert attempt(client, "target", "pw-for-tests-123").status_code == 302


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_weak_passwords_are_refused_in_chinese(client_for, personas):
    client = client_for(personas.street)
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw-for-tests-123", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "密码太短" in html or "这个密码太常见" in html or "全都是数字" in html
