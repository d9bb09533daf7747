"""A request that carries no valid client address (an in-process sign-in, a unix-socket
connection without proxy headers) is counted as "no address" by the sign-in throttle, whose IP
address column PostgreSQL checks, and as "unknown" by the rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessLog
from django.test import RequestFactory

from sayso.core.ratelimit import client_address, client_key
from tests import factories


@pytest.mark.parametrize("remote", ["", "unknown", "not-an-ip", "999.1.1.1"])
def test_a_missing_or_malformed_address_is_none_for_axes_and_unknown_for_rate_limits(
    remote: str, settings: Any
) -> None:
    settings.SAYSO_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert client_address(request) is None
    assert client_key(request) == "unknown"


def test_behind_a_proxy_a_malformed_forwarded_address_falls_back_to_the_connection(
    settings: Any,
) -> None:
    settings.SAYSO_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="junk")
    assert client_address(request) == "10.0.0.5"


@pytest.mark.django_db
def test_a_forced_sign_in_without_an_address_is_logged_without_one(client: Any) -> None:
    user = factories.make_user("kim")
    client.force_login(user)  # an in-process request: no REMOTE_ADDR
    assert AccessLog.objects.filter(username=user.get_username(), ip_address=None).exists()
