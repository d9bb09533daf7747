"""Similar cases and messages with the real embedding model, read from the conversations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import connection

from sayso.conversations import services as conversations
from sayso.conversations.indexing import case_texts_for_index, message_texts_for_index
from sayso.conversations.models import Case
from sayso.core.models import Role
from sayso.intelligence.embeddings import embed
from sayso.intelligence.index import embedded as index_embedded
from sayso.intelligence.index import vector_pg
from sayso.intelligence.index.selectors import similar, similar_backend
from sayso.intelligence.index.services import (
    embedder_name,
    index_item_later,
    index_rebuild,
    item_index,
    text_hash,
)
from sayso.intelligence.models import EmbeddedItem
from sayso.intelligence.tasks import index_item
from tests import factories

CASES = [
    ("Truck not at the depot", "I reserved a 16ft truck for 8am and it was not at the depot."),
    ("Charged twice", "My credit card was charged twice for the same rental."),
    ("Second driver", "How do I add my brother as a second driver on the rental?"),
    ("Air conditioning", "The van's air conditioning stopped working on the highway."),
    ("Refund for cancelled booking", "I cancelled my booking a week ago, where is my refund?"),
    ("Flat tyre", "We got a flat tyre halfway to Denver, who do I call?"),
]


@pytest.fixture(scope="session")
def model() -> None:
    """Load the embedding model once for the whole session (embed() keeps it loaded)."""
    embed(["warm up"])


@pytest.fixture(autouse=True)
def fresh_index() -> Any:
    index_embedded.forget()
    vector_pg.forget()
    yield
    index_embedded.forget()
    vector_pg.forget()


@pytest.fixture
def cases(org: Any, model: None) -> dict[str, Case]:
    made = {}
    for subject, body in CASES:
        made[subject] = factories.make_case(org, subject=subject, body=body)
    index_rebuild(organization=org, kind="case")
    return made


def test_similar_by_text_finds_the_case_about_the_same_problem(org: Any, cases: Any) -> None:
    hits = similar(
        organization=org,
        kind="case",
        text="The truck we booked wasn't there when we went to pick it up",
        k=3,
    )
    assert hits[0].object_id == cases["Truck not at the depot"].id
    assert hits[0].score > 0.5 > hits[-1].score
    money = similar(organization=org, kind="case", text="I was billed two times", k=1)
    assert money[0].object_id == cases["Charged twice"].id


def test_similar_by_item_returns_related_cases_without_itself(org: Any, cases: Any) -> None:
    refund = factories.make_case(
        org, subject="Money back", body="I want my money back for the booking I cancelled."
    )
    index_item.call(org.pk, "case", refund.pk)
    hits = similar(organization=org, kind="case", object_id=refund.pk, k=2)
    assert refund.pk not in [h.object_id for h in hits]
    assert hits[0].object_id == cases["Refund for cancelled booking"].id


def test_case_text_is_subject_and_first_inbound_message_with_status_and_customer(
    org: Any, customer: Any
) -> None:
    case = factories.make_case(org, customer, subject="Broken mirror", body="The mirror fell off.")
    factories.inbound(org, case, "Any news?")
    [item] = list(case_texts_for_index(org, [case.pk]))
    assert item.text == "Broken mirror\n\nThe mirror fell off."
    assert item.metadata == {"status": "open", "customer_id": customer.pk}


def test_message_source_leaves_internal_notes_out(org: Any, customer: Any) -> None:
    agent = factories.make_member(org, Role.AGENT).user
    case = factories.make_case(org, customer, subject="Late", body="Where is my truck?")
    note = conversations.message_note(case=case, author=agent, body="Customer sounds upset.")
    items = {item.object_id: item for item in message_texts_for_index(org)}
    assert note.pk not in items
    [first] = items.values()
    assert first.text == "Where is my truck?"
    assert first.metadata["case_id"] == case.pk and first.metadata["direction"] == "inbound"


def test_filters_on_case_metadata(org: Any, cases: Any, manager: Any) -> None:
    closed = cases["Truck not at the depot"]
    conversations.case_update(case=closed, actor=manager, status="closed")
    index_item.call(org.pk, "case", closed.pk)
    hits = similar(
        organization=org,
        kind="case",
        text="the truck was missing at pick-up",
        k=3,
        filters={"status": "open"},
    )
    assert closed.pk not in [h.object_id for h in hits] and len(hits) == 3
    assert all(h.metadata["status"] == "open" for h in hits)


def test_index_task_embeds_changes_and_removes_deleted_items(
    org: Any, cases: Any, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = cases["Flat tyre"]
    assert index_item.call(org.pk, "case", case.pk) == "unchanged"
    with django_capture_on_commit_callbacks() as callbacks:
        conversations.case_update(case=case, actor=manager, subject="Puncture on the interstate")
        index_item_later(organization=org, kind="case", object_id=case.pk)
    callbacks[-1]()  # ours (the immediate backend runs the task)
    row = EmbeddedItem.objects.get(organization=org, kind="case", object_id=case.pk)
    hits = similar(organization=org, kind="case", text="puncture on the interstate", k=1)
    assert hits[0].object_id == case.pk
    conversations.case_update(case=case, actor=manager, status="pending")
    assert index_item.call(org.pk, "case", case.pk) == "updated"
    assert EmbeddedItem.objects.get(pk=row.pk).text_hash == row.text_hash
    Case.objects.filter(pk=case.pk).delete()
    assert index_item.call(org.pk, "case", case.pk) == "removed"
    assert index_item.call(org.pk, "case", case.pk) == "absent"


def test_rebuild_embeds_only_what_changed(org: Any, cases: Any) -> None:
    again = index_rebuild(organization=org, kind="case")
    assert again.counts.embedded == 0 and again.counts.unchanged == len(CASES)
    forced = index_rebuild(organization=org, kind="case", force=True)
    assert forced.counts.embedded == len(CASES)
    expected = "pgvector" if connection.vendor == "postgresql" else "exact"
    assert similar_backend(organization=org, kind="case") == expected


def test_a_vector_of_another_int8_recipe_is_embedded_again(org: Any, model: None) -> None:
    """Vectors of an earlier int8 recipe (stored as plain ``minilm-int8``) are replaced the
    next time their item is indexed (as ``sayso index rebuild`` does), the same text or not."""
    text = "Let me pick up at night"
    assert item_index(organization=org, kind="idea", object_id=1, text=text) == "embedded"
    assert item_index(organization=org, kind="idea", object_id=1, text=text) == "unchanged"
    row = EmbeddedItem.objects.get(organization=org, kind="idea", object_id=1)
    row.embedder = "minilm-int8"
    row.text_hash = text_hash(text, embedder="minilm-int8")
    row.save(update_fields=["embedder", "text_hash"])

    assert item_index(organization=org, kind="idea", object_id=1, text=text) == "embedded"
    row.refresh_from_db()
    assert row.embedder == embedder_name()
    assert embedder_name().startswith("minilm-int8.r")


def test_stored_vector_is_the_embedding_of_the_text(org: Any, model: None) -> None:
    item_index(organization=org, kind="idea", object_id=1, text="Let me pick up at night")
    row = EmbeddedItem.objects.get(organization=org, kind="idea", object_id=1)
    stored = np.frombuffer(bytes(row.vector), dtype=np.float32)
    assert float(stored @ embed(["Let me pick up at night"])[0]) == pytest.approx(1.0, abs=1e-4)
    assert row.embedder.startswith("minilm-")


def test_new_messages_and_status_changes_reach_the_index_on_their_own(
    org: Any, customer: Any, manager: Any, model: None, run_on_commit: Any
) -> None:
    """No rebuild needed: receiving a message indexes it and its case after commit; a status
    change re-indexes the case's metadata."""
    with run_on_commit(execute=True):
        case = factories.make_case(
            org, customer, subject="Charged twice", body="My card was billed two times."
        )
        factories.make_case(org, subject="Second driver", body="Can my brother drive too?")
    message = case.messages.get()

    hits = similar(organization=org, kind="case", text="double charge on my credit card", k=1)
    assert [h.object_id for h in hits] == [case.pk]
    found = similar(organization=org, kind="message", text="billed twice", k=1)
    assert [h.object_id for h in found] == [message.pk]

    with run_on_commit(execute=True):
        conversations.case_update(case=case, actor=manager, status="resolved")
    still_open = similar(
        organization=org, kind="case", text="double charge", k=5, filters={"status": "open"}
    )
    assert case.pk not in [h.object_id for h in still_open]
