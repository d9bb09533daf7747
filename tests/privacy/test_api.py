"""The privacy API: a manager exports a customer (the document, the zip) and asks for,
lists, reads and cancels erasures; agents are refused; bad input is a clear 4xx; another
organization's token reaches nothing."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.test import Client

from sayso.core.models import Membership, Role, Scope
from sayso.core.services import api_token_create
from sayso.privacy.models import ErasureRequest
from tests.factories import make_member
from tests.privacy.conftest import DANA_EMAIL, NOTE, Seeded

pytestmark = pytest.mark.django_db

SCOPES = [Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE]


def _api(user: Any) -> Client:
    membership = Membership.objects.get(user=user)
    raw = api_token_create(membership=membership, name="t", scopes=SCOPES)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_manager_exports_a_customer(seeded: Seeded) -> None:
    api = _api(seeded.manager)
    response = api.post(f"/api/v1/privacy/customers/{seeded.dana.pk}/export")
    assert response.status_code == 200, response.content
    document = response.json()
    assert document["schema"] == "sayso.personal-data/1"
    assert document["sections"]["identities"]["data"][0]["value"] == DANA_EMAIL
    assert NOTE not in response.content.decode()
    archive = api.post(f"/api/v1/privacy/customers/{seeded.dana.pk}/export.zip")
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "messages.mbox" in names and "contact.vcf" in names
    assert api.post("/api/v1/privacy/customers/999999/export").status_code == 404


def test_erasures_are_requested_listed_and_cancelled(seeded: Seeded) -> None:
    api = _api(seeded.manager)
    body = {"customer_id": seeded.dana.pk, "channel": "letter"}
    created = api.post("/api/v1/privacy/erasures", body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "pending" and data["channel"] == "letter"
    assert data["receipt_url"].endswith(f"/o/haulright/erasure-receipts/{data['receipt_id']}/")
    again = api.post("/api/v1/privacy/erasures", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    listed = api.get("/api/v1/privacy/erasures?status=pending").json()
    assert [item["id"] for item in listed["items"]] == [data["id"]]
    assert api.get(f"/api/v1/privacy/erasures/{data['id']}").json()["due_at"] == data["due_at"]
    cancelled = api.post(f"/api/v1/privacy/erasures/{data['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.post(f"/api/v1/privacy/erasures/{data['id']}/cancel").status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": 0, "channel": "email"},
        {"channel": "email"},
        {"customer_id": 1, "channel": ""},
    ],
)
def test_bad_input_is_a_422(seeded: Seeded, body: dict[str, Any]) -> None:
    response = _api(seeded.manager).post(
        "/api/v1/privacy/erasures", body, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert not ErasureRequest.objects.exists()


def test_an_unknown_customer_is_a_404_and_an_agent_is_refused(seeded: Seeded) -> None:
    api = _api(seeded.manager)
    body = {"customer_id": 999_999, "channel": "email"}
    assert (
        api.post("/api/v1/privacy/erasures", body, content_type="application/json").status_code
        == 404
    )
    agent = make_member(seeded.org, Role.AGENT).user
    body = {"customer_id": seeded.dana.pk, "channel": "email"}
    refused = _api(agent).post("/api/v1/privacy/erasures", body, content_type="application/json")
    assert refused.status_code == 403
    assert _api(agent).post(f"/api/v1/privacy/customers/{seeded.dana.pk}/export").status_code == 403
    other = make_member(seeded.other_org, Role.ADMIN).user
    assert _api(other).post(f"/api/v1/privacy/customers/{seeded.dana.pk}/export").status_code == 404
    assert not ErasureRequest.objects.exists()


def test_an_erased_customer_cannot_be_asked_for_again(seeded: Seeded) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sayso.privacy import services

    services.erasure_request(customer=seeded.dana, by_customer=True)
    services.erasures_run_due(now=timezone.now() + timedelta(days=15))
    body = {"customer_id": seeded.dana.pk, "channel": "email"}
    response = _api(seeded.manager).post(
        "/api/v1/privacy/erasures", body, content_type="application/json"
    )
    assert response.status_code == 400 and "already erased" in response.json()["detail"]
