"""An item that names no author (a feed entry without author or site, a post whose author
cannot be read) never creates a customer of its own: it is kept as an anonymous mention of its
source, and a case it opens belongs to that source's one contact, named after the source
(issue 20: 59 author-less entries had become 59 "Anonymous visitor" customers)."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations.models import Case
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.listening.connectors import FetchedItem
from sayso.listening.models import Mention, Outcome, TermKind
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create, term_add


def _anonymous(n: int, text: str, *, direct: bool = False) -> FetchedItem:
    return FetchedItem(f"https://forum.example/t/{n}", text, title=f"Post {n}", direct=direct)


@pytest.fixture
def source(org: Any) -> Any:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    return source_create(
        organization=org, name="Movers forum", kind="rss", url="https://forum.example/feed"
    )


@pytest.mark.django_db
def test_author_less_items_are_anonymous_mentions_of_their_source(org: Any, source: Any) -> None:
    items = [
        _anonymous(n, f"Haulright moved my flat last week, number {n} of many moves.")
        for n in range(12)
    ]

    report = items_ingest(source=source, items=items)

    assert report.stored == 12 and report.failed == 0
    # No customer per item: at most the source's one contact, for the cases items opened.
    assert Customer.objects.filter(organization=org).count() == (1 if report.opened else 0)
    assert not Customer.objects.filter(organization=org, is_prospect=True).exists()
    assert set(Mention.objects.filter(source=source).values_list("customer", flat=True)) == {None}


@pytest.mark.django_db
def test_cases_they_open_name_the_source_and_are_not_joined(org: Any, source: Any) -> None:
    asks = [
        _anonymous(n, "Haulright never delivered my sofa, who do I call?", direct=True)
        for n in range(3)
    ]

    first = items_ingest(source=source, items=asks[:2])
    second = items_ingest(source=source, items=asks[2:])

    # Three people nobody named: three cases, never "the same problem" of one customer.
    assert (first.opened, first.joined, second.opened, second.joined) == (2, 0, 1, 0)
    (contact,) = Customer.objects.filter(organization=org)
    assert "Movers forum" in contact.display_name
    assert contact.public_name == "Anonymous"
    assert not contact.is_prospect
    assert Case.objects.filter(customer=contact).count() == 3
    assert set(Mention.objects.filter(source=source).values_list("outcome", flat=True)) == {
        Outcome.OPENED
    }
    # Found again by its identity, so the next poll does not create another.
    (identity,) = Identity.objects.filter(customer=contact)
    assert identity.kind == IdentityKind.OTHER

    other = source_create(
        organization=org, name="Reviews feed", kind="rss", url="https://reviews.example/feed"
    )
    items_ingest(source=other, items=[_anonymous(9, "Haulright: is there a refund?", direct=True)])
    assert Customer.objects.filter(organization=org).count() == 2
    assert Case.objects.get(mentions__source=other).customer.display_name.endswith("Reviews feed")


@pytest.mark.django_db
def test_an_author_whose_handle_cannot_be_read_is_no_customer_either(org: Any, source: Any) -> None:
    item = FetchedItem(
        "https://forum.example/t/99",
        "Haulright was late again",
        author_name="Someone",
        author_kind=IdentityKind.MASTODON,
        author_value="not a handle",
    )

    items_ingest(source=source, items=[item])

    mention = Mention.objects.get(source=source)
    assert mention.customer is None and mention.author_name == "Someone"
    assert Customer.objects.filter(organization=org).count() == (1 if mention.case_id else 0)
    assert not Customer.objects.filter(organization=org, is_prospect=True).exists()
