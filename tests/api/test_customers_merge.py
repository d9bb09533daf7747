from __future__ import annotations

from typing import Any

import pytest

from sayso.customers.models import CustomerMerge
from tests import factories

pytestmark = pytest.mark.django_db


def test_merges_the_source_into_the_customer_in_the_path(
    api: Any, org: Any, agent: Any, customer: Any
) -> None:
    duplicate = factories.make_customer(org, "A. Lovelace", "countess@example.com")
    case = factories.make_case(org, duplicate)

    response = api.post(f"/customers/{customer.pk}/merge", {"source_id": duplicate.pk})

    assert response.status_code == 201
    body = response.json()
    assert body["source"] == {"id": duplicate.pk, "display_name": "A. Lovelace"}
    assert body["target"] == {"id": customer.pk, "display_name": "Ada Lovelace"}
    assert body["merged_by"] == {"id": agent.pk, "name": "Agent"}
    assert body["undone_at"] is None
    case.refresh_from_db()
    assert case.customer_id == customer.pk
    values = [i["value"] for i in api.get(f"/customers/{customer.pk}").json()["identities"]]
    assert values == ["ada@example.com", "countess@example.com"]


def test_merging_a_customer_with_itself_is_400(api: Any, customer: Any) -> None:
    response = api.post(f"/customers/{customer.pk}/merge", {"source_id": customer.pk})

    assert response.status_code == 400
    assert response.json() == {"detail": "Choose two different customers to merge."}
    assert not CustomerMerge.objects.exists()


def test_merging_an_already_merged_customer_is_400(api: Any, org: Any, customer: Any) -> None:
    duplicate = factories.make_customer(org, "Dup")
    first = api.post(f"/customers/{customer.pk}/merge", {"source_id": duplicate.pk})
    assert first.status_code == 201

    response = api.post(f"/customers/{customer.pk}/merge", {"source_id": duplicate.pk})

    assert response.status_code == 400
    assert "already merged" in response.json()["detail"]


def test_customers_of_another_organization_are_not_found(
    api: Any, rival_api: Any, other_org: Any, customer: Any
) -> None:
    theirs = factories.make_customer(other_org, "Theirs")

    as_source = api.post(f"/customers/{customer.pk}/merge", {"source_id": theirs.pk})
    as_target = rival_api.post(f"/customers/{theirs.pk}/merge", {"source_id": customer.pk})
    foreign_path = rival_api.post(f"/customers/{customer.pk}/merge", {"source_id": theirs.pk})

    assert as_source.status_code == 404
    assert as_source.json() == {"detail": f"Customer {theirs.pk} (source_id) not found."}
    assert as_target.status_code == 404
    assert foreign_path.status_code == 404
    assert foreign_path.json() == {"detail": "Not found."}
    assert not CustomerMerge.objects.exists()
