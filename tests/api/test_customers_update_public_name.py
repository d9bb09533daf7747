"""customers_update and customers_get: the staff see a customer's public name (issue 20) and may
change it; an address or phone number is refused as one (400), and nothing is changed."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.customers.models import Customer
from tests import factories


@pytest.mark.django_db
def test_the_api_shows_the_public_name_and_refuses_an_address_as_one(org: Any, api: Any) -> None:
    customer = factories.make_customer(org, "Ada Lovelace", "ada@example.com")
    body = api.get(f"/customers/{customer.pk}").json()
    assert body["display_name"] == "Ada Lovelace" and body["public_name"] == "Ada L."
    refused = api.patch(f"/customers/{customer.pk}", {"public_name": "ada@example.com"})
    assert refused.status_code == 400
    assert Customer.objects.get(pk=customer.pk).public_name == "Ada L."
    changed = api.patch(f"/customers/{customer.pk}", {"public_name": "Countess"})
    assert changed.status_code == 200 and changed.json()["public_name"] == "Countess"
