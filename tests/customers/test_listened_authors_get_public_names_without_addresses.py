"""An author heard through listening becomes a prospect whose public name comes from their
name, through the one function that strips addresses (issue 20): a person's name gives
"Kim L.", a name that is an address, a handle or a phone number gives a pseudonym; the staff
keep the name or handle they were heard by."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sayso.customers.models import Identity
from sayso.listening.connectors import FetchedItem
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create

PSEUDONYM = re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+ \d{2,3}$")


def _post(n: int, name: str, handle: str) -> FetchedItem:
    return FetchedItem(
        f"https://social.example/@x/{n}",
        f"@haulright the truck I rented broke down on the highway, post {n}.",
        url=f"https://social.example/@x/{n}",
        author_name=name,
        author_kind="mastodon",
        author_value=handle,
        direct=True,
    )


@pytest.mark.django_db
def test_listened_authors_get_a_public_name_that_holds_no_address(org: Any) -> None:
    source = source_create(
        organization=org,
        name="Mastodon",
        kind="mastodon",
        url="https://social.example",
        account="@haulright@social.example",
    )
    items = [
        _post(1, "Kim Lee", "@kim@social.example"),
        _post(2, "kim.lee@mail.example", "@kiml@social.example"),
        _post(3, "", "@omar_h@social.example"),
        _post(4, "Call me +1 303 555 0142", "@caller@social.example"),
    ]

    report = items_ingest(source=source, items=items)

    assert report.failed == 0
    by_handle = {
        i.value: i.customer for i in Identity.objects.filter(organization=org).select_related()
    }
    assert by_handle["@kim@social.example"].public_name == "Kim L."
    for handle in ("@kiml@social.example", "@omar_h@social.example", "@caller@social.example"):
        customer = by_handle[handle]
        assert PSEUDONYM.match(customer.public_name), (handle, customer.public_name)
    assert by_handle["@omar_h@social.example"].display_name == "@omar_h@social.example"
