from __future__ import annotations

from typing import Any

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_suggests_customers_who_share_an_identity(api: Any, org: Any, customer: Any) -> None:
    twin = factories.make_customer(org, "Ada (web form)", "ada@example.com")
    factories.make_customer(org, "Someone else", "else@example.com")

    response = api.get("/customers/merge-suggestions")

    assert response.status_code == 200
    assert response.json() == [
        {
            "kind": "email",
            "value": "ada@example.com",
            "customers": [
                {"id": customer.pk, "display_name": "Ada Lovelace"},
                {"id": twin.pk, "display_name": "Ada (web form)"},
            ],
        }
    ]


def test_limits_suggestions_to_one_customer(api: Any, org: Any, customer: Any) -> None:
    factories.make_customer(org, "Ada again", "ada@example.com")
    loner = factories.make_customer(org, "Loner", "loner@example.com")
    factories.make_customer(org, "Bea", "bea@example.com", phone="+15550100")
    factories.make_customer(org, "Bea 2", "bea2@example.com", phone="+15550100")

    mine = api.get("/customers/merge-suggestions", customer_id=customer.pk).json()
    none = api.get("/customers/merge-suggestions", customer_id=loner.pk).json()

    assert [s["value"] for s in mine] == ["ada@example.com"]
    assert none == []


def test_never_suggests_across_organizations(
    api: Any, rival_api: Any, other_org: Any, customer: Any
) -> None:
    factories.make_customer(other_org, "Their Ada", "ada@example.com")

    assert api.get("/customers/merge-suggestions").json() == []
    assert rival_api.get("/customers/merge-suggestions").json() == []
    response = rival_api.get("/customers/merge-suggestions", customer_id=customer.pk)
    assert response.status_code == 404
