"""A customer's public name (issue 20) is computed in one place and never holds an email
address, a phone number or a handle, whoever created the customer: staff, the API, an email's
From header, the portal, the listening pipeline (the widget)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from sayso.customers.models import Customer, IdentityKind
from sayso.customers.public_names import (
    pseudonym,
    public_name_from,
    public_name_validate,
)
from sayso.customers.services import (
    customer_create,
    customer_get_or_create_by_identity,
    customer_update,
)
from sayso.listening.services import source_create

PSEUDONYM = re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+ \d{2,3}$")


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("Dana Whitfield", "Dana W."),
        ("  Ingo   Lütkebohle ", "Ingo L."),
        ("Ludwig van Beethoven", "Ludwig B."),
        ("Jean-Luc Picard", "Jean-Luc P."),
        ("Mo", "Mo"),
        ("王小明", "王小明"),
        ("Omar <omar.h@example.org>", "Omar"),
        ("Grace Hopper (grace@navy.example)", "Grace H."),
        ("omar.h@example.org", ""),
        ("OMAR.H@EXAMPLE.ORG (unverified)", ""),
        ("+1 303 555 0142", ""),
        ("Dana 0049 30 1234567", "Dana"),
        ("@dana@truckers.social", ""),
        ("dana.bsky.social", ""),
        ("https://danawrites.example/blog", ""),
        ("omar_h", ""),
        ("Mo from next door", ""),
        ("Whitfield, Dana", "Dana W."),
        ("DANA WHITFIELD", "Dana W."),
        ("Dr. Dana Whitfield", "Dana W."),
        ("Dana 🚚 Whitfield", "Dana W."),
        ("Mo :verified: :pacman:", "Mo"),
        ("محمد علي", "محمد ع."),
        ("Acme, Inc.", ""),
        ("Mail Delivery Subsystem <MAILER-DAEMON@example.org>", "Mail S."),
        ("", ""),
    ],
)
def test_a_name_becomes_a_public_name_without_any_contact(name: str, public: str) -> None:
    assert public_name_from(name) == public


def test_a_pseudonym_is_stable_for_an_id_and_says_nothing_of_the_customer() -> None:
    assert pseudonym(4821) == pseudonym(4821)
    assert PSEUDONYM.match(pseudonym(4821))
    assert len({pseudonym(n) for n in range(1, 2000)}) == 1999
    assert PSEUDONYM.match(pseudonym())


@pytest.mark.parametrize(
    "name",
    [
        "omar.h@example.org",
        "omar at @omar",
        "+1 (303) 555-0142",
        "030 1234 5678",
        "danawrites.example",
        "https://x.example",
        "x",
        "a" * 41,
        "1234",
        "Dana\u200bW",
    ],
)
def test_a_chosen_public_name_that_reaches_the_customer_is_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        public_name_validate(name)


def test_a_chosen_public_name_is_cleaned() -> None:
    assert public_name_validate("  Truck   Fan 42 ") == "Truck Fan 42"


@pytest.mark.django_db
def test_customers_created_without_a_persons_name_get_a_pseudonym(org: Any) -> None:
    by_staff = customer_create(
        organization=org, display_name="", identities=[(IdentityKind.EMAIL, "x@y.example")]
    )
    assert by_staff.display_name == "x@y.example"  # the staff still know them by it
    by_mail, _, _ = customer_get_or_create_by_identity(
        organization=org, kind=IdentityKind.EMAIL, value="omar.h@example.org"
    )
    by_phone, _, _ = customer_get_or_create_by_identity(
        organization=org,
        kind=IdentityKind.PHONE,
        value="+1 303 555 0142",
        display_name="+13035550142",
    )
    named, _, _ = customer_get_or_create_by_identity(
        organization=org,
        kind=IdentityKind.EMAIL,
        value="grace@navy.example",
        display_name="Grace Hopper <grace@navy.example>",
    )
    for customer in (by_staff, by_mail, by_phone):
        customer.refresh_from_db()
        assert PSEUDONYM.match(customer.public_name), customer.public_name
    named.refresh_from_db()
    assert named.public_name == "Grace H."


@pytest.mark.django_db
def test_a_staff_rename_renews_a_derived_public_name_but_not_a_chosen_one(org: Any) -> None:
    customer = customer_create(
        organization=org, display_name="", identities=[(IdentityKind.EMAIL, "omar@x.example")]
    )
    customer_update(customer=customer, display_name="Omar Haddad")
    assert customer.public_name == "Omar H."
    customer_update(customer=customer, display_name="omar@x.example")
    assert customer.public_name == "Omar H."
    customer_update(customer=customer, public_name="Truck Fan")
    assert Customer.objects.get(pk=customer.pk).public_name == "Truck Fan"
    with pytest.raises(ValidationError):
        customer_update(customer=customer, public_name="omar@x.example")


@pytest.mark.django_db
def test_an_address_typed_into_the_widget_is_not_the_contacts_public_name(
    client: Client, org: Any
) -> None:
    site = "https://www.haulright.example"
    source_create(organization=org, name="Widget", kind="widget", allowed_origins=site)
    payload = {
        "message": "The booking page froze when I picked Saturday for the truck.",
        "email": "omar.h@example.org",
        "submission_id": str(uuid.uuid4()),
    }
    response = client.post(
        "/o/haulright/widget/messages",
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Origin": site},
    )
    assert response.status_code == 201
    contact = Customer.objects.get(organization=org, is_prospect=True)
    assert "omar.h@example.org" in contact.display_name
    assert PSEUDONYM.match(contact.public_name), contact.public_name
