from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_changes_only_the_fields_sent(api: Any, customer: Any) -> None:
    response = api.patch(f"/customers/{customer.pk}", {"notes": "Prefers phone calls"})

    assert response.status_code == 200
    assert response.json()["notes"] == "Prefers phone calls"
    assert response.json()["display_name"] == "Ada Lovelace"

    response = api.patch(f"/customers/{customer.pk}", {"display_name": "Ada King"})

    customer.refresh_from_db()
    assert (customer.display_name, customer.notes) == ("Ada King", "Prefers phone calls")


def test_an_empty_name_is_400(api: Any, customer: Any) -> None:
    response = api.patch(f"/customers/{customer.pk}", {"display_name": " "})

    assert response.status_code == 400
    assert response.json() == {"detail": "A customer's name cannot be empty."}


def test_another_organizations_customer_is_not_found(rival_api: Any, customer: Any) -> None:
    response = rival_api.patch(f"/customers/{customer.pk}", {"notes": "mine now"})

    assert response.status_code == 404
    customer.refresh_from_db()
    assert customer.notes == ""
