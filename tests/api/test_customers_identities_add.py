from __future__ import annotations

from typing import Any

import pytest

from sayso.customers import services
from sayso.customers.models import Identity
from tests import factories

pytestmark = pytest.mark.django_db


def test_adds_a_normalized_identity_once(api: Any, customer: Any) -> None:
    path = f"/customers/{customer.pk}/identities"

    first = api.post(path, {"kind": "phone", "value": "+1 (555) 010-0200", "label": "mobile"})
    again = api.post(path, {"kind": "phone", "value": "+15550100200"})

    assert first.status_code == 201
    assert first.json()["value"] == "+15550100200"
    assert first.json()["label"] == "mobile"
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Identity.objects.filter(customer=customer, kind="phone").count() == 1


def test_an_invalid_value_is_400(api: Any, customer: Any) -> None:
    response = api.post(f"/customers/{customer.pk}/identities", {"kind": "email", "value": "@@"})

    assert response.status_code == 400
    assert response.json() == {"detail": "“@@” is not a valid email address."}


def test_a_merged_customer_takes_no_new_identities(api: Any, org: Any, customer: Any) -> None:
    duplicate = factories.make_customer(org, "Ada L.")
    services.customer_merge(source=duplicate, target=customer)

    response = api.post(
        f"/customers/{duplicate.pk}/identities", {"kind": "email", "value": "a@b.example"}
    )

    assert response.status_code == 400
    assert "merged into another" in response.json()["detail"]


def test_another_organizations_customer_is_not_found(rival_api: Any, customer: Any) -> None:
    response = rival_api.post(
        f"/customers/{customer.pk}/identities", {"kind": "email", "value": "spy@rival.example"}
    )

    assert response.status_code == 404
    assert not Identity.objects.filter(value="spy@rival.example").exists()
