"""The staff pages of webhooks, as an admin uses them: add an endpoint (its secret shown once),
send a test event and read it in the delivery log, send a delivery again, rotate the secret
(both secrets sign for a day), disable and delete. Agents and managers are refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook

from sayso.webhooks.models import Delivery, DeliveryStatus, Endpoint
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


def _secret(html: str) -> str:
    found = re.search(r"(whsec_[A-Za-z0-9+/=]+)", html)
    assert found, "no secret on the page"
    return found.group(1)


def test_an_admin_adds_tests_resends_rotates_and_deletes_an_endpoint(
    org: Any, admin_user: Any, receiver: Receiver, run_on_commit: Any
) -> None:
    client = Client()
    client.force_login(admin_user)
    base = f"/staff/{org.slug}/webhooks/"
    assert client.get(base).status_code == 200

    page = client.post(
        base + "new/",
        {
            "url": receiver.url("/in"),
            "description": "CRM sync",
            "event_types": ["case.opened", "case.resolved"],
            "enabled": "on",
        },
    )
    assert page.status_code == 200
    secret = _secret(page.content.decode())
    endpoint = Endpoint.objects.get()
    assert endpoint.event_types == ["case.opened", "case.resolved"]
    assert secret not in endpoint.secret_sealed
    receiver.listen("/in", secret)
    # Shown once: not on the endpoint's page afterwards.
    assert "whsec_" not in client.get(f"{base}{endpoint.pk}/").content.decode()

    with run_on_commit(execute=True):
        answer = client.post(f"{base}{endpoint.pk}/test/")
    assert answer.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert receiver.types("/in") == ["webhook.test"]
    log = client.get(f"{base}{endpoint.pk}/").content.decode()
    assert "webhook.test" in log and delivery.event.webhook_id in log
    detail = client.get(answer["Location"]).content.decode()
    assert "HTTP 200" in detail and "webhook-id" in detail and "&quot;webhook.test&quot;" in detail

    with run_on_commit(execute=True):
        again = client.post(f"{base}deliveries/{delivery.pk}/resend/")
    assert again.status_code == 302
    assert Delivery.objects.count() == 2
    requests = receiver.server.calls("/in")
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"]

    rotated = client.post(f"{base}{endpoint.pk}/rotate/")
    new_secret = _secret(rotated.content.decode())
    assert new_secret != secret
    with run_on_commit(execute=True):
        client.post(f"{base}{endpoint.pk}/test/")
    last = receiver.server.calls("/in")[-1]
    # Both secrets verify during the overlap: receivers switch without losing a message.
    Webhook(secret).verify(last.body, last.headers)
    Webhook(new_secret).verify(last.body, last.headers)
    assert len(last.headers["webhook-signature"].split(" ")) == 2

    saved = client.post(
        f"{base}{endpoint.pk}/",
        {"url": receiver.url("/in"), "description": "Paused", "event_types": []},
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "Disabled by staff."
    assert endpoint.event_types == []

    assert client.post(f"{base}{endpoint.pk}/delete/").status_code == 302
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()


def test_a_private_address_is_refused_with_the_reason(org: Any, admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    page = client.post(f"/staff/{org.slug}/webhooks/new/", {"url": "http://10.0.0.7/hook"})
    assert page.status_code == 200
    assert "SAYSO_OUTBOUND_ALLOW" in page.content.decode()
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_only_admins_manage_webhooks(org: Any, role: str, request: Any) -> None:
    user = request.getfixturevalue(role)
    client = Client()
    client.force_login(user)
    assert client.get(f"/staff/{org.slug}/webhooks/").status_code == 403
    answer = client.post(f"/staff/{org.slug}/webhooks/new/", {"url": "https://x.example/h"})
    assert answer.status_code == 403
    assert not Endpoint.objects.exists()
