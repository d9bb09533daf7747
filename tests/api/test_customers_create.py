from __future__ import annotations

from typing import Any

import pytest

from sayso.core.models import AuditEntry, Scope
from sayso.customers.models import Customer, Identity

pytestmark = pytest.mark.django_db


def test_creates_a_customer_with_normalized_identities(api: Any, org: Any, agent: Any) -> None:
    response = api.post(
        "/customers",
        {
            "display_name": "  Grace   Hopper ",
            "notes": "Met at the fair",
            "identities": [
                {"kind": "email", "value": "Grace@Example.COM"},
                {"kind": "mastodon", "value": "https://hachyderm.io/@grace"},
            ],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["display_name"] == "Grace Hopper"
    assert body["notes"] == "Met at the fair"
    assert sorted((i["kind"], i["value"]) for i in body["identities"]) == [
        ("email", "grace@example.com"),
        ("mastodon", "@grace@hachyderm.io"),
    ]
    customer = Customer.objects.get(pk=body["id"])
    assert customer.organization == org
    assert AuditEntry.objects.filter(action="customer.create", actor=agent).exists()


def test_without_a_name_the_first_identity_names_the_customer(api: Any) -> None:
    response = api.post("/customers", {"identities": [{"kind": "email", "value": "x@y.example"}]})

    assert response.status_code == 201
    assert response.json()["display_name"] == "x@y.example"


def test_an_invalid_email_is_400_and_creates_nothing(api: Any, org: Any) -> None:
    response = api.post(
        "/customers",
        {"display_name": "Bob", "identities": [{"kind": "email", "value": "not-an-address"}]},
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "“not-an-address” is not a valid email address."}
    assert not Customer.objects.filter(organization=org).exists()
    assert not Identity.objects.filter(organization=org).exists()


def test_no_name_and_no_identity_is_400(api: Any) -> None:
    response = api.post("/customers", {"display_name": "   "})

    assert response.status_code == 400
    assert "needs a name" in response.json()["detail"]


def test_an_unknown_identity_kind_is_a_schema_error(api: Any) -> None:
    response = api.post("/customers", {"identities": [{"kind": "fax", "value": "123"}]})

    assert response.status_code == 422


@pytest.mark.parametrize(("body", "status"), [("{not json", 400), ("x" * (3 * 1024 * 1024), 413)])
def test_unreadable_or_huge_json_is_a_client_error(api: Any, body: str, status: int) -> None:
    response = api.client.post(
        "/api/v1/customers",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.raw}",
    )

    assert response.status_code == status
    assert response.json()["detail"]


def test_needs_the_customers_write_scope(scoped_api: Any, org: Any) -> None:
    response = scoped_api(Scope.CUSTOMERS_READ).post("/customers", {"display_name": "Bob"})

    assert response.status_code == 403
    assert not Customer.objects.filter(organization=org).exists()
