"""Failed staff sign-ins lock out per account and per client address, for the staff login and
the admin's, and the lockout ends after the cool-off (issue 19, finding 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests import factories

LOGIN = "/staff/login/"


def _sign_in(client: Client, username: str, password: str, address: str = "127.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _cool_off_passes() -> None:
    """Time travel: every recorded failure moves back past the cool-off."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time")
        - timedelta(minutes=settings.SAYSO_LOGIN_COOLOFF_MINUTES, seconds=1)
    )


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in_until_the_cool_off(
    agent: Any,
) -> None:
    client = Client()
    for _ in range(30):
        assert _sign_in(client, "agent", "wrong-guess").status_code in {200, 429}
    locked = _sign_in(client, "agent", factories.PASSWORD)
    assert locked.status_code == 429
    assert not _signed_in(client)
    assert "Wait 15 minutes" in locked.text
    assert locked["Retry-After"] == str(15 * 60)
    # Still locked a moment later, and from another address (the account is locked).
    assert _sign_in(Client(), "agent", factories.PASSWORD, "198.51.100.9").status_code == 429
    _cool_off_passes()
    recovered = _sign_in(client, "agent", factories.PASSWORD)
    assert recovered.status_code == 302 and recovered["Location"] == reverse("staff-home")
    assert _signed_in(client)


@pytest.mark.django_db
def test_the_lock_comes_at_the_failure_limit(agent: Any) -> None:
    limit = settings.SAYSO_LOGIN_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _sign_in(Client(), "agent", "wrong-guess").status_code == 200
    assert _sign_in(Client(), "agent", "wrong-guess").status_code == 429
    assert _sign_in(Client(), "agent", factories.PASSWORD).status_code == 429


@pytest.mark.django_db
def test_one_address_is_locked_whatever_usernames_it_tries(org: Any, agent: Any) -> None:
    guesser = "203.0.113.7"
    names = ["agent", "admin", "root", "manager", "nobody", "raj"]
    for name in names[: settings.SAYSO_LOGIN_FAILURE_LIMIT]:
        _sign_in(Client(), name, "wrong-guess", guesser)
    other = factories.make_member(org, username="other").user
    # A right password from that address is refused too...
    client = Client()
    assert _sign_in(client, other.username, factories.PASSWORD, guesser).status_code == 429
    assert not _signed_in(client)
    # ...while the same account signs in from elsewhere.
    elsewhere = Client()
    response = _sign_in(elsewhere, other.username, factories.PASSWORD, "198.51.100.20")
    assert response.status_code == 302
    assert _signed_in(elsewhere)


@pytest.mark.django_db
def test_one_account_is_locked_whatever_addresses_guess_at_it(agent: Any) -> None:
    for n in range(settings.SAYSO_LOGIN_FAILURE_LIMIT):
        _sign_in(Client(), "agent", "wrong-guess", f"203.0.113.{n + 1}")
    client = Client()
    assert _sign_in(client, "agent", factories.PASSWORD, "198.51.100.1").status_code == 429
    assert not _signed_in(client)


@pytest.mark.django_db
def test_the_admin_login_is_locked_too(org: Any) -> None:
    boss = factories.make_user("root", is_staff=True, is_superuser=True)
    for _ in range(settings.SAYSO_LOGIN_FAILURE_LIMIT):
        Client().post("/admin/login/", {"username": boss.username, "password": "wrong-guess"})
    client = Client()
    response = client.post(
        "/admin/login/", {"username": boss.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 429
    assert not _signed_in(client)
    # The staff login counts the same failures.
    assert _sign_in(Client(), boss.username, factories.PASSWORD).status_code == 429


@pytest.mark.django_db
def test_signing_in_forgives_only_that_accounts_own_failures(org: Any, agent: Any) -> None:
    limit = settings.SAYSO_LOGIN_FAILURE_LIMIT
    mallory = factories.make_member(org, username="mallory").user
    office = "203.0.113.50"
    # Someone mistyping their own password, then getting it right, starts afresh.
    for _ in range(limit - 1):
        _sign_in(Client(), "agent", "typo", office)
    assert _sign_in(Client(), "agent", factories.PASSWORD, office).status_code == 302
    for _ in range(limit - 1):
        _sign_in(Client(), "agent", "typo", "198.51.100.2")
    assert _sign_in(Client(), "agent", factories.PASSWORD, "198.51.100.2").status_code == 302
    # But signing in to one's own account does not wipe guesses at someone else's.
    for _ in range(limit - 1):
        _sign_in(Client(), "agent", "guess", "198.51.100.3")
    own = _sign_in(Client(), mallory.username, factories.PASSWORD, "198.51.100.3")
    assert own.status_code == 302
    _sign_in(Client(), "agent", "guess", "198.51.100.3")
    assert _sign_in(Client(), "agent", factories.PASSWORD, "198.51.100.4").status_code == 429


def test_the_limits_come_from_the_environment(tmp_path: Any) -> None:
    env = {
        **os.environ,
        "SAYSO_DATA_DIR": str(tmp_path),
        "SAYSO_LOGIN_FAILURE_LIMIT": "7",
        "SAYSO_LOGIN_COOLOFF_MINUTES": "40",
        "SAYSO_TRUSTED_PROXY_COUNT": "2",
        "DJANGO_SETTINGS_MODULE": "sayso.settings",
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "from axes.helpers import get_cool_off; "
            "print(s.AXES_FAILURE_LIMIT, get_cool_off(), s.SAYSO_TRUSTED_PROXY_COUNT)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert shown.stdout.split() == ["7", "0:40:00", "2"]


@pytest.mark.django_db
def test_behind_a_proxy_each_client_is_counted_by_its_forwarded_address(
    agent: Any, settings: Any
) -> None:
    settings.SAYSO_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def through_proxy(client: Client, username: str, password: str, forwarded: str) -> Any:
        return client.post(
            LOGIN,
            {"username": username, "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(settings.SAYSO_LOGIN_FAILURE_LIMIT):
        through_proxy(Client(), f"guess{n}", "wrong-guess", "203.0.113.9")
    # That client is locked out, whatever it writes on the left of the header itself...
    forged = through_proxy(Client(), "agent", factories.PASSWORD, "192.0.2.1, 203.0.113.9")
    assert forged.status_code == 429
    # ...while another client behind the same proxy signs in.
    client = Client()
    assert through_proxy(client, "agent", factories.PASSWORD, "198.51.100.7").status_code == 302
    assert _signed_in(client)
