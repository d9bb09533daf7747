"""The pipeline stores a group of items with a few statements per kind of record: the
records must be those that storing the items one by one would write, items of one group
building on each other, and a bad item must not cost the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sayso.conversations.models import Case, CaseStatus, Message
from sayso.conversations.services import case_open, case_update
from sayso.core import services as core
from sayso.customers.models import Customer, Identity, TimelineEvent, TimelineKind
from sayso.intelligence.models import EmbeddedItem, MessageAnalysis
from sayso.listening import pipeline
from sayso.listening.connectors import FetchedItem
from sayso.listening.models import Mention, Outcome, TermKind
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import rule_create, source_create, term_add

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def source(org: Any) -> Any:
    term_add(organization=org, kind=TermKind.BRAND, term="Haulright")
    return source_create(
        organization=org,
        name="Mastodon",
        kind="mastodon",
        url="https://mastodon.example",
        queries="#haulright",
    )


def _post(n: int, author: str, text: str, minutes: int = 0, **extra: Any) -> FetchedItem:
    return FetchedItem(
        f"https://mastodon.example/@{author}/{n}",
        text,
        author_name=author.title(),
        author_kind="mastodon",
        author_value=f"@{author}@mastodon.example",
        published_at=START + timedelta(minutes=minutes),
        **extra,
    )


@pytest.mark.django_db
def test_an_authors_second_item_in_a_group_finds_the_customer_and_case_of_the_first(
    org: Any, source: Any
) -> None:
    report = items_ingest(
        source=source,
        items=[
            _post(1, "kim", "Haulright lost my deposit and nobody answers the phone.", 0),
            _post(2, "lee", "Does Haulright rent trailers for one-way moves to Denver?", 1),
            _post(3, "kim", "Still no answer from Haulright about my lost deposit. Day two.", 5),
        ],
    )

    assert (report.stored, report.opened, report.joined) == (3, 2, 1)
    kim = Customer.objects.get(display_name="Kim")
    assert kim.is_prospect
    assert list(Identity.objects.filter(customer=kim).values_list("value", flat=True)) == [
        "@kim@mastodon.example"
    ]
    first, second = Mention.objects.filter(customer=kim).order_by("id")
    assert (first.outcome, second.outcome) == (Outcome.OPENED, Outcome.JOINED)
    assert first.case_id == second.case_id and second.message is not None
    case = Case.objects.get(pk=first.case_id)
    assert case.subject.startswith("Haulright lost my deposit")
    assert case.last_message_at == START + timedelta(minutes=5)
    assert list(case.messages.order_by("sent_at").values_list("external_id", flat=True)) == [
        "https://mastodon.example/@kim/1",
        "https://mastodon.example/@kim/3",
    ]
    assert second.message.headers["listening"]["same_problem"] is True
    kinds = list(
        TimelineEvent.objects.filter(customer=kim).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [TimelineKind.CASE_OPENED, TimelineKind.MESSAGE, TimelineKind.MESSAGE]
    # Every new message is analyzed and indexed, and so is each case it opened.
    assert MessageAnalysis.objects.count() == Message.objects.count() == 3
    assert EmbeddedItem.objects.filter(kind="message").count() == 3
    assert EmbeddedItem.objects.filter(kind="case").count() == 2
    # Case numbers are reserved together and stay unique and consecutive.
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [1, 2]
    more = items_ingest(
        source=source, items=[_post(4, "ana", "Haulright charged me twice, awful service.", 9)]
    )
    assert more.opened == 1
    assert sorted(Case.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert case_open(organization=org, customer=kim, subject="By hand").number == 4


@pytest.mark.django_db
def test_a_routed_case_keeps_its_rule_on_the_timeline_and_a_pending_case_reopens(
    org: Any, source: Any, agent: Any
) -> None:
    team = core.team_create(organization=org, name="Escalations")
    rule_create(
        organization=org,
        name="Angry",
        position=1,
        intent="complaint",
        sentiment="negative",
        team=team,
        priority="urgent",
    )
    items_ingest(
        source=source,
        items=[_post(1, "sam", "Haulright lost my deposit and nobody answers. Awful.", 0)],
    )
    mention = Mention.objects.get()
    case = Case.objects.get()
    assert (case.team, case.priority, mention.rule.name) == (team, "urgent", "Angry")
    priority = TimelineEvent.objects.get(kind=TimelineKind.CASE_PRIORITY)
    assert priority.case == case and "routing rule “Angry”" in priority.summary

    case_update(case=case, actor=agent, status=CaseStatus.PENDING)
    items_ingest(
        source=source,
        items=[_post(2, "sam", "Haulright, still no answer about my lost deposit. Awful.", 30)],
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.last_message_at == START + timedelta(minutes=30)
    assert Mention.objects.filter(outcome=Outcome.JOINED, case=case).count() == 1


@pytest.mark.django_db
def test_a_bad_item_fails_alone_and_the_rest_of_its_group_is_stored(source: Any) -> None:
    report = items_ingest(
        source=source,
        items=[
            _post(1, "kim", "Haulright lost my deposit and nobody answers the phone.", 0),
            # Addressed to the organization, so it would open a case: but it has no words.
            FetchedItem("https://mastodon.example/@eva/2", " \n ", direct=True),
            _post(3, "lee", "Does Haulright rent trailers for one-way moves?", 2),
        ],
    )

    assert (report.stored, report.failed) == (2, 1)
    assert "https://mastodon.example/@eva/2" in report.errors[0]
    assert "empty" in report.errors[0]
    assert Mention.objects.count() == Message.objects.count() == Case.objects.count() == 2
    # Nothing of the bad item is left behind, not even its author.
    assert not Mention.objects.filter(external_id__endswith="/2").exists()
    assert Customer.objects.count() == 2


@pytest.mark.django_db
def test_a_group_costs_a_few_statements_not_a_dozen_per_item(source: Any) -> None:
    things = ["deposit", "booking", "trailer", "invoice", "refund", "truck", "dolly", "mirror"]
    cities = ["Denver", "Boulder", "Austin", "Reno", "Tucson"]
    items = [
        _post(
            n,
            f"user{n}",
            f"Does Haulright in {cities[n % 5]} have a {things[n // 5]} I can book for Friday?",
            n,
        )
        for n in range(40)
    ]
    with CaptureQueriesContext(connection) as queries:
        report = items_ingest(source=source, items=items)
    assert (report.opened, report.spam) == (40, 0)
    # Reads (terms, rules, known items, identities, open cases), then per group of 50: the
    # customers, identities, case numbers, cases, messages, timeline, analyses, mentions and
    # index writes; far from the ~14 statements per item of storing them one by one.
    assert len(queries) < 60, [q["sql"][:80] for q in queries.captured_queries]


@pytest.mark.django_db
def test_an_item_another_worker_stored_meanwhile_is_skipped_and_the_rest_stored(
    source: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _post(1, "kim", "Haulright lost my deposit and nobody answers the phone.", 0)
    assert items_ingest(source=source, items=[first]).stored == 1
    # Another worker stored ``first`` after this one looked: its group's insert of the
    # mention hits the unique constraint, and the group is stored item by item.
    monkeypatch.setattr(pipeline, "_new_only", lambda source, items: (items, 0))
    report = items_ingest(
        source=source,
        items=[
            _post(2, "lee", "Does Haulright rent trailers for one-way moves to Denver?", 1),
            first,
            _post(3, "ana", "Haulright charged me twice for the van, still no refund.", 2),
        ],
    )

    assert (report.stored, report.known, report.failed) == (2, 1, 0)
    assert Mention.objects.count() == 3
    assert Message.objects.filter(external_id=first.external_id).count() == 1
    assert Message.objects.count() == Case.objects.count() == 3
    assert Customer.objects.count() == 3
