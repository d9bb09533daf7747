from __future__ import annotations

from typing import Any

import pytest

from sayso.customers import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_undo_restores_the_source_and_a_retry_is_harmless(
    api: Any, org: Any, customer: Any
) -> None:
    duplicate = factories.make_customer(org, "Dup", "dup@example.com")
    case = factories.make_case(org, duplicate)
    merge = services.customer_merge(source=duplicate, target=customer)

    response = api.post(f"/customers/merges/{merge.pk}/undo")
    retry = api.post(f"/customers/merges/{merge.pk}/undo")

    assert response.status_code == 200
    assert response.json()["undone_at"] is not None
    assert retry.status_code == 200
    assert retry.json()["undone_at"] == response.json()["undone_at"]
    duplicate.refresh_from_db()
    case.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert case.customer_id == duplicate.pk


def test_an_undo_that_no_longer_applies_is_400(api: Any, org: Any, customer: Any) -> None:
    duplicate = factories.make_customer(org, "Dup")
    merge = services.customer_merge(source=duplicate, target=customer)
    survivor = factories.make_customer(org, "Survivor")
    services.customer_merge(source=customer, target=survivor)

    response = api.post(f"/customers/merges/{merge.pk}/undo")

    assert response.status_code == 400
    assert "undo that merge first" in response.json()["detail"]


def test_another_organizations_merge_is_not_found(rival_api: Any, org: Any, customer: Any) -> None:
    merge = services.customer_merge(source=factories.make_customer(org), target=customer)

    response = rival_api.post(f"/customers/merges/{merge.pk}/undo")

    assert response.status_code == 404
    merge.refresh_from_db()
    assert merge.undone_at is None
