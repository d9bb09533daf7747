"""index_coalesced: the index_item_later calls of a block become one index_items task per
organization and kind, which embeds them in one batch and removes the deleted ones."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from sayso.conversations.models import Case
from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.index.services import index_coalesced, index_item_later
from sayso.intelligence.models import EmbeddedItem
from sayso.intelligence.tasks import index_items
from tests import factories


@pytest.fixture(autouse=True)
def fresh_index() -> Any:
    index_embedded.forget()
    vector_pg.forget()
    yield
    index_embedded.forget()
    vector_pg.forget()


@pytest.mark.django_db
def test_one_task_for_a_block_of_items(org: Any, django_capture_on_commit_callbacks: Any) -> None:
    cases = [
        factories.make_case(org, subject=f"Flat tyre number {n}", body="The tyre is flat.")
        for n in range(3)
    ]
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic(), index_coalesced():
        for case in cases:
            index_item_later(organization=org, kind="case", object_id=case.pk)
            index_item_later(organization=org, kind="case", object_id=case.pk)
    assert len(callbacks) == 1
    callbacks[0]()
    assert EmbeddedItem.objects.live().filter(organization=org, kind="case").count() == 3

    Case.objects.filter(pk=cases[0].pk).delete()
    assert index_items.call(org.pk, "case", [cases[0].pk, cases[1].pk]) == 0
    live = EmbeddedItem.objects.live().filter(organization=org, kind="case")
    assert sorted(live.values_list("object_id", flat=True)) == sorted(c.pk for c in cases[1:])


@pytest.mark.django_db
def test_merged_customers_cases_are_reindexed_with_their_new_customer(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from sayso.customers.services import customer_merge, customer_unmerge
    from sayso.intelligence.index.services import index_rebuild

    ann = factories.make_customer(org, "Ann", "ann@example.com")
    dup = factories.make_customer(org, "Ann again", "ann2@example.com")
    case = factories.make_case(org, dup, subject="Flat tyre", body="The tyre is flat.")
    index_rebuild(organization=org, kind="case")

    def customer_of_case() -> int:
        row = EmbeddedItem.objects.get(organization=org, kind="case", object_id=case.pk)
        return int(row.metadata["customer_id"])

    assert customer_of_case() == dup.pk
    with django_capture_on_commit_callbacks(execute=True):
        merge = customer_merge(source=dup, target=ann)
    assert customer_of_case() == ann.pk
    with django_capture_on_commit_callbacks(execute=True):
        customer_unmerge(merge=merge)
    assert customer_of_case() == dup.pk
