"""Staff see the real identity of a customer (issue 20): the customer page shows the name and
address they know the customer by, and beside it the name the public sees."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.customers.services import customer_public_name_set
from tests import factories


@pytest.mark.django_db
def test_the_staff_customer_page_shows_the_real_name_address_and_public_name(
    org: Any, agent: Any
) -> None:
    customer = factories.make_customer(org, "omar.h@example.org", "omar.h@example.org")
    customer_public_name_set(customer=customer, public_name="Truck Fan")
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("customer-detail", kwargs={"org": org.slug, "pk": customer.pk}))
    assert page.status_code == 200
    assert "<h1>omar.h@example.org</h1>" in page.text
    assert '<strong data-testid="public-name">Truck Fan</strong> (their choice)' in page.text
