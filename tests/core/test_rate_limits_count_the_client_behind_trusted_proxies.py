"""Rate limits count the client's own address: the connection's when no proxy is trusted
(X-Forwarded-For is then ignored, forged or not), the address the outermost trusted proxy
saw when SAYSO_TRUSTED_PROXY_COUNT says how many stand in front."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from sayso.core.ratelimit import client_key

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def _key(forwarded_for: str | None, remote: str = PROXY) -> str:
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client_key(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(settings: Any) -> None:
    settings.SAYSO_TRUSTED_PROXY_COUNT = 0
    assert _key(None, "203.0.113.7") == "203.0.113.7"
    assert _key("198.51.100.1", "203.0.113.7") == "203.0.113.7"
    assert _key("198.51.100.1, 198.51.100.2", "203.0.113.7") == "203.0.113.7"


def test_behind_one_proxy_the_rightmost_forwarded_address_is_the_client(settings: Any) -> None:
    settings.SAYSO_TRUSTED_PROXY_COUNT = 1
    assert _key("203.0.113.7") == "203.0.113.7"
    assert _key("2001:db8::7") == "2001:db8::7"
    # What the client wrote itself stands to the left and is not believed.
    assert _key("198.51.100.1, 203.0.113.7") == "203.0.113.7"
    assert _key("not an address, 203.0.113.7") == "203.0.113.7"
    # Not through the proxy at all: the connection's address.
    assert _key(None, "203.0.113.9") == "203.0.113.9"
    assert _key("garbage") == PROXY


def test_behind_two_proxies_the_second_from_the_right_is_the_client(settings: Any) -> None:
    settings.SAYSO_TRUSTED_PROXY_COUNT = 2
    # Client → CDN (appends the client) → load balancer (appends the CDN) → Sayso.
    assert _key("203.0.113.7, 10.1.0.3") == "203.0.113.7"
    assert _key("198.51.100.1, 203.0.113.7, 10.1.0.3") == "203.0.113.7"
    assert _key("10.1.0.3") == PROXY  # too short: not through both


def _sign_in_attempt(forwarded_for: str) -> int:
    url = reverse("portal-signin", kwargs={"org": "haulright"})
    response = Client(REMOTE_ADDR=PROXY).post(
        url, {"email": "not-an-address"}, HTTP_X_FORWARDED_FOR=forwarded_for
    )
    return response.status_code


def test_two_clients_behind_the_proxy_get_a_bucket_each(org: Any, settings: Any) -> None:
    settings.SAYSO_RATE_LIMIT_PER_MINUTE = 1
    settings.SAYSO_TRUSTED_PROXY_COUNT = 1
    assert _sign_in_attempt("203.0.113.7") != 429
    assert _sign_in_attempt("203.0.113.7") == 429
    assert _sign_in_attempt("203.0.113.8") != 429
    # A client forging an address to the left is still counted as itself.
    assert _sign_in_attempt("203.0.113.200, 203.0.113.8") == 429


def test_without_trusted_proxies_every_client_behind_one_shares_its_bucket(
    org: Any, settings: Any
) -> None:
    settings.SAYSO_RATE_LIMIT_PER_MINUTE = 1
    settings.SAYSO_TRUSTED_PROXY_COUNT = 0
    assert _sign_in_attempt("203.0.113.7") != 429
    assert _sign_in_attempt("198.51.100.99") == 429
