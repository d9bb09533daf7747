"""An unverified email (``EMAIL_CLAIMED``) comes only from the widget and turns verified only
through its link: staff cannot add one by hand (it would let later widget claims of that
address speak as the customer), nor create a customer with one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.customers.services import customer_create, identity_add

pytestmark = pytest.mark.django_db


def test_the_service_refuses_an_unverified_email(org: Any, customer: Any) -> None:
    with pytest.raises(ValidationError, match="only when someone types it into the widget"):
        identity_add(customer=customer, kind=IdentityKind.EMAIL_CLAIMED, value="x@example.com")
    with pytest.raises(ValidationError, match="only when someone types it into the widget"):
        customer_create(
            organization=org,
            display_name="Someone",
            identities=[(IdentityKind.EMAIL_CLAIMED, "x@example.com")],
        )

    assert not Identity.objects.filter(kind=IdentityKind.EMAIL_CLAIMED).exists()
    assert Customer.objects.count() == 1


def test_the_staff_form_does_not_offer_it(org: Any, customer: Any, agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    url = reverse("customer-detail", kwargs={"org": org.slug, "pk": customer.pk})

    page = client.get(url)
    posted = client.post(
        reverse("identity-add", kwargs={"org": org.slug, "pk": customer.pk}),
        {"kind": "email_claimed", "value": "x@example.com"},
    )

    assert 'value="email_claimed"' not in page.text
    assert posted.status_code == 302
    assert not Identity.objects.filter(kind=IdentityKind.EMAIL_CLAIMED).exists()
