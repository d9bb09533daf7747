"""The consent API: decisions with provenance (how=api, the token's staff member), preferences,
notices, receipts; the outreach door (the same guard), attempts per customer, campaigns and
their reports; unknown channel or purpose is a 422 naming the field; another organization's
token reaches nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from sayso.consent import receipts
from sayso.consent.models import ConsentRecord, Method, OutreachAttempt
from sayso.core.models import Membership, Scope
from sayso.core.services import api_token_create

pytestmark = pytest.mark.django_db

SCOPES = [Scope.CONSENT_READ, Scope.CONSENT_WRITE, Scope.OUTREACH_SEND]


def _api(user: Any) -> Client:
    membership = Membership.objects.get(user=user)
    raw = api_token_create(membership=membership, name="t", scopes=SCOPES)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _message(customer: Any, **changes: Any) -> dict[str, Any]:
    """An outreach request to the customer (sales by email unless ``changes`` say otherwise)."""
    return {
        "customer_id": customer.pk,
        "channel": "email",
        "purpose": "sales",
        "subject": "Truck rentals",
        "body": "20% off in March.",
        **changes,
    }


def test_a_decision_through_the_api_records_its_provenance(agent: Any, customer: Any) -> None:
    api = _api(agent)
    url = f"/api/v1/consent/customers/{customer.pk}"
    body = {"channel": "email", "purpose": "sales", "choice": "refused", "note": "By letter"}
    created = api.post(url, body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["how"], data["by"]["id"], data["by_customer"]) == ("api", agent.pk, False)
    assert data["by_token"].startswith("sayso_")
    again = api.post(url, body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    record = ConsentRecord.objects.get()
    assert record.method == Method.API and record.by_token is not None
    current = api.get(url).json()
    sales_email = [
        c for c in current["choices"] if (c["channel"], c["purpose"]) == ("email", "sales")
    ]
    assert sales_email[0]["choice"] == "refused"
    history = api.get(f"{url}/history").json()
    assert [item["choice"] for item in history["items"]] == ["refused"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "fax", "purpose": "sales", "choice": "granted"}, "channel"),
        ({"channel": "email", "purpose": "spam", "choice": "granted"}, "purpose"),
    ],
)
def test_an_unknown_channel_or_purpose_is_a_422_naming_the_field(
    agent: Any, customer: Any, body: dict[str, str], field: str
) -> None:
    api = _api(agent)
    response = api.post(
        f"/api/v1/consent/customers/{customer.pk}", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert [problem["loc"][-1] for problem in response.json()["detail"]] == [field]
    outreach = {
        "customer_id": customer.pk,
        "channel": "email",
        "purpose": "sales",
        "subject": "x",
        "body": "y",
        field: body[field],
    }
    response = api.post("/api/v1/outreach", outreach, content_type="application/json")
    assert response.status_code == 422
    assert [problem["loc"][-1] for problem in response.json()["detail"]] == [field]
    assert not ConsentRecord.objects.exists() and not OutreachAttempt.objects.exists()


def test_preferences_and_a_bad_time_zone(agent: Any, customer: Any) -> None:
    api = _api(agent)
    url = f"/api/v1/consent/customers/{customer.pk}/preferences"
    ok = api.put(
        url,
        {"time_zone": "Europe/Paris", "quiet_start": "21:00", "quiet_end": "08:00"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["preferences"]["quiet_start"] == "21:00:00"
    bad = api.put(url, {"time_zone": "Mars/Olympus"}, content_type="application/json")
    assert bad.status_code == 400 and "Unknown time zone" in bad.json()["detail"]


def test_the_outreach_door_blocks_then_sends_and_lists_the_attempts(
    agent: Any, customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = _api(agent)
    message = _message(customer)
    blocked = api.post("/api/v1/outreach", message, content_type="application/json")
    assert blocked.status_code == 201
    assert (blocked.json()["outcome"], blocked.json()["reason_code"]) == ("blocked", "no_consent")
    assert "your settings blocked it" in blocked.json()["in_words"]
    api.post(
        f"/api/v1/consent/customers/{customer.pk}",
        {"channel": "email", "purpose": "sales", "choice": "granted", "note": "Web form"},
        content_type="application/json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(
            "/api/v1/outreach",
            {**message, "idempotency_key": "retry-1"},
            content_type="application/json",
        )
        retried = api.post(
            "/api/v1/outreach",
            {**message, "idempotency_key": "retry-1"},
            content_type="application/json",
        )
    assert sent.status_code == 201 and sent.json()["outcome"] == "sent"
    assert sent.json()["case_number"] is not None
    assert retried.status_code == 200 and retried.json()["id"] == sent.json()["id"]
    assert len(mail.outbox) == 1
    listed = api.get("/api/v1/outreach/attempts", {"customer_id": customer.pk}).json()
    assert [a["outcome"] for a in listed["items"]] == ["sent", "blocked"]
    only_blocked = api.get(
        "/api/v1/outreach/attempts", {"customer_id": customer.pk, "outcome": "blocked"}
    ).json()
    assert [a["outcome"] for a in only_blocked["items"]] == ["blocked"]


def test_a_receipt_through_the_api_verifies(agent: Any, customer: Any) -> None:
    api = _api(agent)
    record = api.post(
        f"/api/v1/consent/customers/{customer.pk}",
        {"channel": "email", "purpose": "research", "choice": "granted"},
        content_type="application/json",
    ).json()
    receipt = api.get(f"/api/v1/consent/receipts/{record['receipt_id']}").json()
    keys = Client().get(receipt["keys_url"].removeprefix("http://testserver")).json()
    assert receipts.receipt_verify(receipt["jws"], keys) == receipt["claims"]


def test_notices_are_versioned_and_only_managers_publish(agent: Any, manager: Any) -> None:
    body = {"purpose": "sales", "text": "Offers from our sales team, only if you say yes."}
    assert (
        _api(agent).post("/api/v1/consent/notices", body, content_type="application/json")
    ).status_code == 403
    api = _api(manager)
    first = api.post("/api/v1/consent/notices", body, content_type="application/json")
    second = api.post(
        "/api/v1/consent/notices", {**body, "text": "Reworded."}, content_type="application/json"
    )
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert [n["version"] for n in api.get("/api/v1/consent/notices").json()] == [2, 1]


def test_a_campaign_through_the_api_reports(
    org: Any, manager: Any, customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = _api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/outreach/campaigns",
            {
                "name": "Spring",
                "channel": "email",
                "purpose": "sales",
                "subject": "Spring",
                "body": "Trucks.",
                "segment": "all",
            },
            content_type="application/json",
        )
    assert created.status_code == 201
    report = api.get(f"/api/v1/outreach/campaigns/{created.json()['id']}").json()
    assert report["status"] == "done"
    assert report["report"] == {"sent": 0, "blocked": 1, "blocked_by_reason": {"no_consent": 1}}


def test_another_organizations_token_reaches_nothing(
    outsider: Any, customer: Any, agent: Any
) -> None:
    record = (
        _api(agent)
        .post(
            f"/api/v1/consent/customers/{customer.pk}",
            {"channel": "email", "purpose": "sales", "choice": "granted"},
            content_type="application/json",
        )
        .json()
    )
    api = _api(outsider)
    assert api.get(f"/api/v1/consent/customers/{customer.pk}").status_code == 404
    assert api.get(f"/api/v1/consent/receipts/{record['receipt_id']}").status_code == 404
    sent = api.post(
        "/api/v1/outreach",
        {
            "customer_id": customer.pk,
            "channel": "email",
            "purpose": "sales",
            "subject": "x",
            "body": "y",
        },
        content_type="application/json",
    )
    assert sent.status_code == 404
    assert OutreachAttempt.objects.count() == 0


def test_a_message_about_the_customers_deal_through_the_api(
    agent: Any, customer: Any, org: Any
) -> None:
    from sayso.deals.services import deal_create, deal_status_set

    deal = deal_create(organization=org, customer=customer, title="Fleet lease", actor=agent)
    api = _api(agent)
    message = _message(
        customer,
        purpose="deal_update",
        subject="Your lease",
        reference={"kind": "deal", "id": deal.pk},
    )
    sent = api.post("/api/v1/outreach", message, content_type="application/json")
    assert sent.status_code == 201 and sent.json()["outcome"] == "sent"
    deal_status_set(deal=deal, action="pause", customer=customer)
    paused = api.post("/api/v1/outreach", message, content_type="application/json")
    assert paused.status_code == 201 and paused.json()["outcome"] == "blocked"
    assert "paused the deal" in paused.json()["reason"]


def test_the_api_can_hold_a_message_for_quiet_hours(
    agent: Any, customer: Any, grant: Any, quiet_now: Any
) -> None:
    grant("email", "sales")
    quiet_now(customer, "Asia/Tokyo")
    message = _message(customer)
    api = _api(agent)
    refused = api.post("/api/v1/outreach", message, content_type="application/json").json()
    assert (refused["outcome"], refused["reason_code"]) == ("blocked", "quiet_hours")
    held = api.post(
        "/api/v1/outreach", {**message, "hold": True}, content_type="application/json"
    ).json()
    assert (held["outcome"], held["reason_code"]) == ("held", "quiet_hours")
    assert held["next_allowed_at"] and "held for your quiet hours" in held["in_words"]
