"""``customers_get_or_create_by_identities``: many people at once (the listening pipeline's
new authors), with the rules of one at a time, in a few statements, and never twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sayso.customers.models import Customer, Identity, IdentityKind, TimelineEvent
from sayso.customers.public_names import without_contacts
from sayso.customers.services import (
    NewCustomer,
    customer_create,
    customer_merge,
    customers_get_or_create_by_identities,
)

PEOPLE = [
    NewCustomer(name="Dana  Whitfield", identities=[("email", " Dana@Example.COM ")]),
    NewCustomer(name="", identities=[("mastodon", "https://Mastodon.Social/@ada")]),
    NewCustomer(name="omar@example.org", identities=[("email", "omar@example.org")]),
    NewCustomer(
        name="Bo <bo@example.net>",
        identities=[("bluesky", "@Bo.bsky.social"), ("bluesky", "did:plc:abcdefghijklmnop")],
        is_prospect=True,
    ),
]


@pytest.mark.django_db
def test_people_become_customers_with_normalized_identities_in_a_few_statements(
    org: Any,
) -> None:
    with CaptureQueriesContext(connection) as queries:
        held = customers_get_or_create_by_identities(organization=org, people=PEOPLE)
    # A read per kind of identity, one insert of customers and one of identities.
    assert len(queries) <= 5, [q["sql"][:80] for q in queries.captured_queries]
    assert all(one.created for one in held)
    assert Customer.objects.count() == 4
    assert sorted(Identity.objects.values_list("kind", "value")) == [
        ("bluesky", "bo.bsky.social"),
        ("bluesky", "did:plc:abcdefghijklmnop"),
        ("email", "dana@example.com"),
        ("email", "omar@example.org"),
        ("mastodon", "@ada@mastodon.social"),
    ]
    dana, ada, omar, bo = (one.customer for one in held)
    assert dana.display_name == "Dana Whitfield" and dana.public_name == "Dana W."
    # Without a name, the staff know them by their identity; in public it is never shown.
    assert ada.display_name == "@ada@mastodon.social"
    assert bo.is_prospect and not dana.is_prospect
    assert set(held[3].identities) == {
        ("bluesky", "bo.bsky.social"),
        ("bluesky", "did:plc:abcdefghijklmnop"),
    }
    assert held[3].identities[("bluesky", "bo.bsky.social")].customer_id == bo.pk
    # Nothing more than one at a time writes: no timeline entry.
    assert not TimelineEvent.objects.exists()
    for customer in (dana, ada, omar, bo):
        customer.refresh_from_db()
        assert customer.public_name
        assert "@" not in customer.public_name
        assert without_contacts(customer.public_name) == customer.public_name


@pytest.mark.django_db
def test_a_second_call_with_the_same_identities_creates_nothing(org: Any) -> None:
    first = customers_get_or_create_by_identities(organization=org, people=PEOPLE)
    again = customers_get_or_create_by_identities(
        organization=org,
        people=[
            # Written another way, and with another name: the same people.
            NewCustomer(name="D. W.", identities=[("email", "DANA@example.com")]),
            NewCustomer(name="Ada", identities=[("mastodon", "@ada@mastodon.social")]),
            NewCustomer(identities=[("email", "mailto:omar@example.org")]),
            # Known by their second identity: found by it, and nothing is added.
            NewCustomer(
                identities=[("bluesky", "bo2.bsky.social"), ("bluesky", "did:plc:abcdefghijklmnop")]
            ),
        ],
    )
    assert [one.customer.pk for one in again] == [one.customer.pk for one in first]
    assert not any(one.created for one in again)
    assert Customer.objects.count() == 4 and Identity.objects.count() == 5
    assert Customer.objects.get(pk=first[0].customer.pk).display_name == "Dana Whitfield"
    assert set(again[3].identities) == {("bluesky", "did:plc:abcdefghijklmnop")}


@pytest.mark.django_db
def test_one_person_twice_in_a_call_is_one_customer(org: Any) -> None:
    held = customers_get_or_create_by_identities(
        organization=org,
        people=[
            NewCustomer(name="Ada", identities=[("email", "ada@example.com")]),
            NewCustomer(name="Ada L", identities=[("email", "Ada@Example.com")]),
        ],
    )
    assert held[0].customer is held[1].customer
    assert held[0].created and held[1].created
    assert Customer.objects.count() == Identity.objects.count() == 1


@pytest.mark.django_db
def test_an_identity_is_held_by_its_oldest_active_customer(org: Any) -> None:
    old = customer_create(
        organization=org, display_name="Old", identities=[("email", "ada@example.com")]
    )
    newer = customer_create(organization=org, display_name="Newer")
    Identity.objects.create(organization=org, customer=newer, kind="email", value="ada@example.com")
    (held,) = customers_get_or_create_by_identities(
        organization=org, people=[NewCustomer(identities=[("email", "ada@example.com")])]
    )
    assert held.customer == old
    customer_merge(source=old, target=newer)
    (held,) = customers_get_or_create_by_identities(
        organization=org, people=[NewCustomer(identities=[("email", "ada@example.com")])]
    )
    assert held.customer == newer


@pytest.mark.django_db
def test_identities_of_another_organization_are_not_theirs(org: Any, other_org: Any) -> None:
    (theirs,) = customers_get_or_create_by_identities(
        organization=other_org, people=[NewCustomer(identities=[("email", "ada@example.com")])]
    )
    (ours,) = customers_get_or_create_by_identities(
        organization=org, people=[NewCustomer(identities=[("email", "ada@example.com")])]
    )
    assert ours.created and ours.customer.pk != theirs.customer.pk
    assert ours.customer.organization_id == org.pk


@pytest.mark.django_db
def test_a_chosen_public_name_is_kept_and_an_address_refused(org: Any) -> None:
    (held,) = customers_get_or_create_by_identities(
        organization=org,
        people=[
            NewCustomer(
                name="Anonymous · Haulright blog",
                identities=[(IdentityKind.OTHER, "listening-source:1")],
                public_name="Anonymous",
                label="Authors not named on Haulright blog",
            )
        ],
    )
    assert held.customer.public_name == "Anonymous"
    assert held.customer.display_name == "Anonymous · Haulright blog"
    assert held.identities[("other", "listening-source:1")].label.startswith("Authors")
    with pytest.raises(ValidationError):
        customers_get_or_create_by_identities(
            organization=org,
            people=[NewCustomer(name="Ada", public_name="ada@example.com")],
        )


@pytest.mark.django_db
def test_an_invalid_identity_writes_nothing(org: Any) -> None:
    with pytest.raises(ValidationError):
        customers_get_or_create_by_identities(
            organization=org,
            people=[
                NewCustomer(name="Ada", identities=[("email", "ada@example.com")]),
                NewCustomer(name="Bo", identities=[("email", "not-an-address")]),
            ],
        )
    with pytest.raises(ValidationError):
        customers_get_or_create_by_identities(organization=org, people=[NewCustomer()])
    assert not Customer.objects.exists()
