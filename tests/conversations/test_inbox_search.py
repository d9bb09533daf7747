"""The inbox search reads a page among the most recently active cases first, and every match
only when those hold too few (sayso/conversations/search.py): each way gives exactly the
inbox's order, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sayso.conversations import search, services
from sayso.conversations.models import Case, Message
from sayso.conversations.selectors import InboxFilters, case_list_for_inbox
from tests import factories


def _search(org: Any, user: Any, text: str, status: str = "") -> Any:
    return case_list_for_inbox(
        organization=org, user=user, filters=InboxFilters(status=status, query=text)
    )


def _numbers(cases: list[Case]) -> list[int]:
    return [case.number for case in cases]


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """A window of three cases, and no shortcut for searches with few matches, so that a few
    rows take every path a large organization takes."""
    monkeypatch.setattr(search, "SEARCH_WINDOW", {"sqlite": 3, "postgresql": 3})
    monkeypatch.setattr(search, "FEW_HITS", 0)


def _cases_with_activity(org: Any, bodies: list[str]) -> list[Case]:
    """One case per body, the last one the most recently active."""
    start = timezone.now() - timedelta(days=30)
    cases = []
    for hours, body in enumerate(bodies):
        case = factories.make_case(org, subject=f"Case {hours}", body=body)
        Case.objects.filter(pk=case.pk).update(last_message_at=start + timedelta(hours=hours))
        cases.append(case)
    return cases


@pytest.mark.django_db
@pytest.mark.usefixtures("small_window")
def test_pages_from_the_window_and_from_every_match_follow_the_inbox_order(
    org: Any, agent: Any
) -> None:
    bodies = ["other words"] * 9
    for n in (0, 3, 4, 7, 8):
        bodies[n] = f"The brakes squeal, truck {n}"
    cases = _cases_with_activity(org, bodies)
    expected = [cases[n].number for n in (8, 7, 4, 3, 0)]

    results = _search(org, agent, "brakes")
    with CaptureQueriesContext(connection) as first_page:
        assert _numbers(results[0:2]) == expected[0:2]  # both among the three newest
    assert not any("OFFSET 0" in q["sql"] or "UNION ALL" in q["sql"] for q in first_page)
    assert _numbers(results[2:4]) == expected[2:4]  # the window holds too few: every match
    assert _numbers(results[4:6]) == expected[4:]
    assert _numbers(results[6:8]) == []
    assert results.count(up_to=10) == 5
    assert results.count(up_to=3) == 3
    assert len(results) == 5
    assert _numbers(list(results)) == expected


@pytest.mark.django_db
def test_a_rare_word_is_found_however_long_ago_its_case_was_active(
    org: Any, agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SEARCH_WINDOW", {"sqlite": 2, "postgresql": 2})
    cases = _cases_with_activity(org, ["axle grease"] + ["nothing here"] * 5)
    for few_hits in (0, 1000):  # through the window and every match, then the whole set
        monkeypatch.setattr(search, "FEW_HITS", few_hits)
        results = _search(org, agent, "grease")
        assert _numbers(results[0:25]) == [cases[0].number]
        assert results.count(up_to=1001) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("small_window")
def test_search_keeps_the_inbox_filters(org: Any, agent: Any, manager: Any) -> None:
    cases = _cases_with_activity(org, [f"refund please {n}" for n in range(6)])
    for case in cases[::2]:
        services.case_update(case=case, actor=manager, status="resolved")
    results = _search(org, agent, "refund", status="resolved")
    expected = [cases[n].number for n in (4, 2, 0)]
    assert _numbers(results[0:2]) + _numbers(results[2:4]) == expected
    assert results.count(up_to=1001) == 3
    active = case_list_for_inbox(
        organization=org, user=agent, filters=InboxFilters(status="active", query="refund")
    )
    assert _numbers(active[0:10]) == [cases[n].number for n in (5, 3, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("few_hits", [0, 1000])
def test_every_word_must_be_in_one_message_or_the_subject(
    org: Any, agent: Any, monkeypatch: pytest.MonkeyPatch, few_hits: int
) -> None:
    monkeypatch.setattr(search, "FEW_HITS", few_hits)
    together = factories.make_case(org, subject="Noise", body="the mirror rattles at speed")
    apart = factories.make_case(org, subject="Mirror", body="something rattles")
    factories.inbound(org, apart, "and the mirror too")
    in_subject = factories.make_case(org, subject="Mirror rattles", body="see subject")
    results = _search(org, agent, "mirror rattles")
    assert set(_numbers(results[0:25])) == {together.number, in_subject.number}
    assert results.count(up_to=1001) == 2
    assert apart.number in _numbers(_search(org, agent, "mirror")[0:25])


@pytest.mark.django_db
@pytest.mark.usefixtures("small_window")
def test_cases_without_activity_are_still_found(org: Any, agent: Any) -> None:
    cases = _cases_with_activity(org, ["wiper fluid"] * 5)
    Case.objects.filter(pk=cases[1].pk).update(last_message_at=None)
    results = _search(org, agent, "wiper")
    found = _numbers(results[0:25])
    assert sorted(found) == sorted(case.number for case in cases)
    assert results.count(up_to=1001) == 5


@pytest.mark.django_db
def test_search_follows_a_changed_subject_and_a_message_moved_to_another_case(
    org: Any, agent: Any
) -> None:
    first = factories.make_case(org, subject="Headlight", body="the left one is out")
    second = factories.make_case(org, subject="Billing", body="an invoice question")
    assert _numbers(_search(org, agent, "headlight")[0:25]) == [first.number]

    services.case_update(case=first, actor=agent, subject="Lamp")
    assert _numbers(_search(org, agent, "headlight")[0:25]) == []
    assert _numbers(_search(org, agent, "lamp")[0:25]) == [first.number]

    message = first.messages.get()
    message.case = second
    message.save(update_fields=["case"])
    assert _numbers(_search(org, agent, "left")[0:25]) == [second.number]

    second.messages.all().delete()
    assert _numbers(_search(org, agent, "left")[0:25]) == []
    assert _numbers(_search(org, agent, "billing")[0:25]) == [second.number]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_with_the_vectors_paused_is_found_once_they_are_rebuilt(
    org: Any, agent: Any
) -> None:
    case = factories.make_case(org, subject="Bulk", body="first")
    with search.search_vectors_paused():
        Message.objects.bulk_create(
            [
                Message(
                    organization=org,
                    case=case,
                    customer=case.customer,
                    direction="inbound",
                    channel="email",
                    body="carburettor trouble",
                    sent_at=timezone.now(),
                )
            ]
        )
    search.search_vectors_rebuild()
    assert _numbers(_search(org, agent, "carburettor")[0:25]) == [case.number]
    factories.inbound(org, case, "the gearbox too")  # the trigger is back
    assert _numbers(_search(org, agent, "gearbox")[0:25]) == [case.number]
