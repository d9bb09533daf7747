"""The staff password-reset form sends a limited number of emails per address and per client,
and answers the same for every address: known, unknown or throttled (issue 19, finding 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tests import factories
from tests.after_commit import after_commit

RESET = "/staff/password-reset/"
SENT = "/staff/password-reset/sent/"


def _ask(email: str, address: str = "127.0.0.1") -> Any:
    with after_commit():  # the outbox sends the mail once the request has committed
        return Client().post(RESET, {"email": email}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_twelve_requests_for_one_address_send_at_most_the_limit(agent: Any) -> None:
    # From twelve different clients, so only the address's own limit applies.
    responses = [_ask(agent.email, f"203.0.113.{n + 1}") for n in range(12)]
    assert len(mail.outbox) == settings.SAYSO_PASSWORD_RESET_PER_ADDRESS_PER_HOUR
    assert all(m.to == [agent.email] for m in mail.outbox)
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, SENT)}


@pytest.mark.django_db
def test_one_client_asking_for_many_addresses_is_limited(org: Any) -> None:
    users = [factories.make_member(org, username=f"staff{n}").user for n in range(12)]
    responses = [_ask(user.email, "203.0.113.99") for user in users]
    assert len(mail.outbox) == settings.SAYSO_PASSWORD_RESET_PER_CLIENT_PER_HOUR
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, SENT)}
    # Another client still gets its email.
    _ask(users[-1].email, "198.51.100.1")
    assert mail.outbox[-1].to == [users[-1].email]


@pytest.mark.django_db
def test_the_answer_is_the_same_for_known_unknown_and_throttled_addresses(agent: Any) -> None:
    limit = settings.SAYSO_PASSWORD_RESET_PER_ADDRESS_PER_HOUR
    known = [_ask(agent.email, f"203.0.113.{n + 1}") for n in range(limit)]
    throttled = _ask(agent.email, "203.0.113.200")
    unknown = _ask("nobody-here@example.com", "203.0.113.201")
    assert len(mail.outbox) == limit
    answers = {(r.status_code, r["Location"]) for r in [*known, throttled, unknown]}
    assert answers == {(302, SENT)}
    page = Client().get(SENT)
    assert "If that address belongs to a staff account" in page.text
