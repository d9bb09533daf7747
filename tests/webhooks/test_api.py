"""The webhooks API with an admin's token: add an endpoint (its secret answered once), read,
change, rotate, send a test event, read the delivery log and one delivery's attempts, send it
again, delete. Bad input is a 400 naming the problem; agents' tokens are refused; another
organization's admin finds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook

from sayso.webhooks.models import Delivery, Endpoint
from tests.api.conftest import Api, make_token
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(org: Any, admin_user: Any) -> Api:
    return Api(Client(), make_token(admin_user, org))


def test_the_endpoint_lifecycle_through_the_api(
    admin_api: Api, receiver: Receiver, run_on_commit: Any
) -> None:
    types = admin_api.get("/webhooks/event-types").json()
    assert {"case.opened", "message.received", "incident.resolved"} <= {t["name"] for t in types}

    created = admin_api.post(
        "/webhooks/endpoints",
        {"url": receiver.url("/api-hook"), "description": "ERP", "event_types": ["case.opened"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and body["event_types"] == ["case.opened"]
    receiver.listen("/api-hook", secret)
    pk = body["id"]
    # The secret is never answered again.
    assert "secret" not in admin_api.get(f"/webhooks/endpoints/{pk}").json()
    assert secret not in admin_api.get("/webhooks/endpoints").content.decode()

    with run_on_commit(execute=True):
        tested = admin_api.post(f"/webhooks/endpoints/{pk}/test")
    assert tested.status_code == 202
    delivery_id = tested.json()["id"]
    detail = admin_api.get(f"/webhooks/deliveries/{delivery_id}").json()
    assert detail["status"] == "succeeded" and detail["event_type"] == "webhook.test"
    assert detail["attempts"][0]["response_status"] == 200
    assert detail["attempts"][0]["request_headers"]["webhook-id"] == detail["webhook_id"]
    assert '"type":"webhook.test"' in detail["payload"]
    log = admin_api.get(f"/webhooks/endpoints/{pk}/deliveries").json()
    assert [d["id"] for d in log["items"]] == [delivery_id]

    with run_on_commit(execute=True):
        again = admin_api.post(f"/webhooks/deliveries/{delivery_id}/resend")
    assert again.status_code == 202 and again.json()["resend_of_id"] == delivery_id
    assert again.json()["webhook_id"] == detail["webhook_id"]

    rotated = admin_api.post(f"/webhooks/endpoints/{pk}/rotate-secret").json()["secret"]
    assert rotated != secret
    with run_on_commit(execute=True):
        admin_api.post(f"/webhooks/endpoints/{pk}/test")
    last = receiver.server.calls("/api-hook")[-1]
    Webhook(rotated).verify(last.body, last.headers)

    patched = admin_api.patch(f"/webhooks/endpoints/{pk}", {"enabled": False})
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False
    assert patched.json()["disabled_reason"] == "Disabled by staff."

    assert admin_api.delete(f"/webhooks/endpoints/{pk}").status_code == 204
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"url": "http://192.168.1.5/hook"}, "SAYSO_OUTBOUND_ALLOW"),
        ({"url": "not a url"}, "https://"),
        ({"url": "https://hooks.example.com/x", "event_types": ["case.nope"]}, "case.nope"),
        ({"url": "https://hooks.example.com/x", "event_types": ["webhook.test"]}, "Unknown"),
    ],
)
def test_bad_input_is_a_400_that_says_why(
    admin_api: Api, body: dict[str, Any], problem: str
) -> None:
    answer = admin_api.post("/webhooks/endpoints", body)
    assert answer.status_code == 400
    assert problem in answer.json()["detail"]
    assert not Endpoint.objects.exists()


def test_an_unknown_field_is_a_422(admin_api: Api) -> None:
    answer = admin_api.post(
        "/webhooks/endpoints", {"url": "https://hooks.example.com/x", "secret": "whsec_mine"}
    )
    assert answer.status_code == 422


def test_agents_are_refused_and_other_organizations_find_nothing(
    org: Any, other_org: Any, agent: Any, outsider: Any, admin_api: Api
) -> None:
    pk = admin_api.post("/webhooks/endpoints", {"url": "https://hooks.example.com/x"}).json()["id"]
    agent_api = Api(Client(), make_token(agent, org))
    assert agent_api.get("/webhooks/endpoints").status_code == 403
    assert agent_api.post("/webhooks/endpoints", {"url": "https://x.example/y"}).status_code == 403
    rival = Api(Client(), make_token(outsider, other_org))
    assert rival.get("/webhooks/endpoints").json() == []
    assert rival.get(f"/webhooks/endpoints/{pk}").status_code == 404
    assert rival.delete(f"/webhooks/endpoints/{pk}").status_code == 404
    assert Endpoint.objects.filter(pk=pk).exists()
