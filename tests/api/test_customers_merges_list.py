from __future__ import annotations

from typing import Any

import pytest

from sayso.customers import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_lists_the_merges_in_effect_newest_first(api: Any, org: Any, customer: Any) -> None:
    first = services.customer_merge(source=factories.make_customer(org, "One"), target=customer)
    second = services.customer_merge(source=factories.make_customer(org, "Two"), target=customer)
    undone = services.customer_merge(source=factories.make_customer(org, "Three"), target=customer)
    services.customer_unmerge(merge=undone)

    response = api.get(f"/customers/{customer.pk}/merges")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == [second.pk, first.pk]


def test_another_organizations_customer_is_not_found(rival_api: Any, customer: Any) -> None:
    assert rival_api.get(f"/customers/{customer.pk}/merges").status_code == 404
