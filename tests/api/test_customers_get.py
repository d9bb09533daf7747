from __future__ import annotations

from typing import Any

import pytest

from sayso.customers import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_gets_a_customer_with_identities(api: Any, customer: Any) -> None:
    response = api.get(f"/customers/{customer.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == customer.pk
    assert body["display_name"] == "Ada Lovelace"
    assert body["identities"][0]["kind"] == "email"
    assert body["identities"][0]["value"] == "ada@example.com"
    assert body["merged_into_id"] is None


def test_a_merged_customer_names_where_its_record_went(api: Any, org: Any, customer: Any) -> None:
    duplicate = factories.make_customer(org, "Ada L.", "ada@example.com")
    services.customer_merge(source=duplicate, target=customer)

    body = api.get(f"/customers/{duplicate.pk}").json()

    assert body["is_active"] is False
    assert body["merged_into_id"] == customer.pk


def test_another_organizations_customer_is_not_found(rival_api: Any, customer: Any) -> None:
    response = rival_api.get(f"/customers/{customer.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("customer_id", ["0", "999999", str(2**70)])
def test_an_unknown_id_is_not_found(api: Any, customer_id: str) -> None:
    response = api.get(f"/customers/{customer_id}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
