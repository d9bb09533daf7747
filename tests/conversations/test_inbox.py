from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sayso.conversations import services
from sayso.conversations.models import Channel
from sayso.conversations.selectors import InboxFilters, case_list_for_inbox
from tests import factories


def _numbers(org: Any, user: Any, **filters: str) -> set[int]:
    cases = case_list_for_inbox(organization=org, user=user, filters=InboxFilters(**filters))
    return {case.number for case in cases}


@pytest.mark.django_db
def test_inbox_filters_by_status_assignee_and_priority(org: Any, agent: Any, manager: Any) -> None:
    mine = factories.make_case(org, subject="Mine", assignee=agent)
    theirs = factories.make_case(org, subject="Theirs", assignee=manager)
    nobody = factories.make_case(org, subject="Nobody")
    done = factories.make_case(org, subject="Done", assignee=agent)
    services.case_update(case=done, actor=agent, status="resolved")
    services.case_update(case=theirs, actor=agent, priority="urgent")

    assert _numbers(org, agent) == {mine.number, theirs.number, nobody.number}
    assert _numbers(org, agent, status="") == {
        mine.number,
        theirs.number,
        nobody.number,
        done.number,
    }
    assert _numbers(org, agent, status="resolved") == {done.number}
    assert _numbers(org, agent, assignee="me") == {mine.number}
    assert _numbers(org, agent, assignee="none") == {nobody.number}
    assert _numbers(org, agent, assignee=str(manager.pk)) == {theirs.number}
    assert _numbers(org, agent, priority="urgent") == {theirs.number}


@pytest.mark.django_db
def test_full_text_search_finds_subjects_and_message_bodies(
    org: Any, agent: Any, other_org: Any
) -> None:
    brakes = factories.make_case(org, subject="Noise", body="The brakes squeal on the highway")
    factories.inbound(org, brakes, "Also the mirrors rattle")
    keys = factories.make_case(org, subject="Lost keys at the depot")
    factories.make_case(org, subject="Invoice", body="Please send the invoice")
    factories.make_case(other_org, subject="Brakes elsewhere", body="brakes brakes")

    assert _numbers(org, agent, query="brakes", status="") == {brakes.number}
    assert _numbers(org, agent, query="mirrors rattle", status="") == {brakes.number}
    assert _numbers(org, agent, query="squ", status="") == {brakes.number}  # as you type
    assert _numbers(org, agent, query="keys", status="") == {keys.number}
    assert _numbers(org, agent, query="nothing-like-this", status="") == set()
    # Search syntax characters are plain text, never an error.
    assert _numbers(org, agent, query='"brakes" OR (* NEAR', status="") <= {brakes.number}


@pytest.mark.django_db
def test_search_ignores_edits_of_deleted_messages(org: Any, agent: Any) -> None:
    case = factories.make_case(org, subject="Hello", body="original wording")
    message = case.messages.get()
    message.body = "corrected wording"
    message.save(update_fields=["body"])
    assert _numbers(org, agent, query="corrected", status="") == {case.number}
    assert _numbers(org, agent, query="original", status="") == set()
    message.delete()
    assert _numbers(org, agent, query="corrected", status="") == set()


@pytest.mark.django_db
def test_inbox_page_query_count_does_not_grow_with_cases(org: Any, agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    url = reverse("inbox", kwargs={"org": org.slug})
    factories.make_case(org, assignee=agent)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(15):
        factories.make_case(org, assignee=agent)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 12


@pytest.mark.django_db
def test_htmx_filter_request_returns_only_the_results(org: Any, agent: Any) -> None:
    factories.make_case(org, subject="Flat tyre on I-70")
    client = Client()
    client.force_login(agent)
    url = reverse("inbox", kwargs={"org": org.slug}) + "?q=tyre&status="
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Flat tyre on I-70" in response.text
    assert "<html" not in response.text
    full = client.get(url)
    assert "<html" in full.text and "Flat tyre on I-70" in full.text


@pytest.mark.django_db
def test_long_case_opens_on_its_newest_messages_and_shows_the_rest_on_demand(
    org: Any, agent: Any
) -> None:
    from sayso.conversations.views import CASE_PAGE_MESSAGES

    case = factories.make_case(org, subject="Long thread", body="the first message")
    later = [factories.inbound(org, case, f"message {n}") for n in range(CASE_PAGE_MESSAGES + 4)]
    first = case.messages.order_by("sent_at", "id").first()
    client = Client()
    client.force_login(agent)
    url = reverse("case-detail", kwargs={"org": org.slug, "number": case.number})
    page = client.get(url)
    assert page.status_code == 200
    shown = {m.pk for m in [first, *later] if f'id="message-{m.pk}"' in page.text}
    assert shown == {m.pk for m in later[-CASE_PAGE_MESSAGES:]}
    assert "Show 5 earlier messages" in page.text

    everything = client.get(url + "?messages=all")
    assert all(f'id="message-{m.pk}"' in everything.text for m in [first, *later])
    assert "earlier message" not in everything.text


@pytest.mark.django_db
def test_case_page_shows_the_customer_timeline_across_channels(
    org: Any, agent: Any, customer: Any
) -> None:
    first = factories.make_case(org, customer, subject="Email case", channel=Channel.EMAIL)
    services.message_receive(
        organization=org,
        customer=customer,
        channel=Channel.MASTODON,
        body="Also posted about it on Mastodon",
        external_id="https://mastodon.social/@ada/1",
    )
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("case-detail", kwargs={"org": org.slug, "number": first.number}))
    assert "Also posted about it on Mastodon" in page.text
    assert "mastodon" in page.text


@pytest.mark.django_db
def test_staff_bad_input_gets_a_message_not_a_500(org: Any, agent: Any) -> None:
    case = factories.make_case(org)
    client = Client()
    client.force_login(agent)
    kwargs = {"org": org.slug, "number": case.number}
    cases = [
        (reverse("case-reply", kwargs=kwargs), {"kind": "reply", "body": ""}),
        (reverse("case-reply", kwargs=kwargs), {"kind": "shout", "body": "x"}),
        (reverse("case-update", kwargs=kwargs), {"status": "exploded"}),
        (reverse("case-handoff", kwargs=kwargs), {"note": "no target"}),
        (reverse("case-handoff", kwargs=kwargs), {"to_user": str(agent.pk), "note": ""}),
        (
            reverse("commitment-make", kwargs=kwargs),
            {"description": "x", "owner": str(agent.pk), "due_at": "2001-01-01T10:00"},
        ),
        (
            reverse("commitment-make", kwargs=kwargs),
            {"description": "x", "owner": "999999", "due_at": "2099-01-01T10:00"},
        ),
        (
            reverse("commitment-make", kwargs=kwargs),
            {"description": "x", "owner": str(agent.pk), "due_at": "tomorrow-ish"},
        ),
        (
            reverse("identity-add", kwargs={"org": org.slug, "pk": case.customer_id}),
            {"kind": "email", "value": "not-an-email"},
        ),
        (
            reverse("customer-merge", kwargs={"org": org.slug, "pk": case.customer_id}),
            {"source": str(case.customer_id)},
        ),
        (
            reverse("customer-merge", kwargs={"org": org.slug, "pk": case.customer_id}),
            {"source": "abc"},
        ),
    ]
    for url, data in cases:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, (url, data)
        assert 'class="flash-error"' in response.text, (url, data)
    case.refresh_from_db()
    assert case.messages.count() == 1
    assert case.commitments.count() == 0
    assert case.assignee is None


@pytest.mark.django_db
def test_inbox_counts_are_cached_until_a_case_changes(
    org: Any, agent: Any, run_on_commit: Any
) -> None:
    from sayso.conversations.selectors import inbox_counts

    with run_on_commit(execute=True):
        case = factories.make_case(org, assignee=agent)
        factories.make_case(org)
    assert inbox_counts(organization=org, user=agent) == {"active": 2, "mine": 1, "unassigned": 1}
    with CaptureQueriesContext(connection) as cached:
        assert inbox_counts(organization=org, user=agent)["active"] == 2
    assert not [q for q in cached if "COUNT(" in q["sql"].upper()]

    with run_on_commit(execute=True):
        services.case_update(case=case, actor=agent, status="resolved")
    assert inbox_counts(organization=org, user=agent) == {"active": 1, "mine": 0, "unassigned": 1}
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("inbox", kwargs={"org": org.slug}) + "?status=resolved")
    assert page.status_code == 200 and case.subject in page.text


@pytest.mark.django_db
def test_a_search_matching_very_many_cases_says_more_than_instead_of_counting_them_all(
    org: Any, agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sayso.conversations import selectors, views

    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 2)
    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    for n in range(4):
        factories.make_case(org, subject=f"Refund number {n}")
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("inbox", kwargs={"org": org.slug}) + "?q=refund&status=")
    assert page.status_code == 200
    assert "More than 2 cases match" in page.text
    assert page.text.count("Refund number") == 2  # the newest two, then "Older"
    assert "Refund number 3" in page.text
    narrow = client.get(reverse("inbox", kwargs={"org": org.slug}) + "?q=refund+3&status=")
    assert "More than" not in narrow.text and narrow.text.count("Refund number") == 1


@pytest.mark.django_db
def test_a_redelivered_message_is_found_through_the_unique_index(org: Any) -> None:
    """The check that keeps a message from being stored twice reads the partial unique index,
    not every message of the organization (SQLite uses a partial index only when the query
    repeats its condition)."""
    from django.db import connection

    from sayso.conversations.models import Channel
    from sayso.conversations.selectors import messages_by_external_id

    case = factories.make_case(org, subject="Hitch")
    first = factories.inbound(org, case, "Is my hitch ready?", external_id="mastodon:1")
    found = messages_by_external_id(
        organization=org, channel=first.channel, external_ids=["mastodon:1"]
    )
    assert list(found) == [first]
    assert not messages_by_external_id(organization=org, channel=Channel.EMAIL, external_ids=[""])
    if connection.vendor == "sqlite":
        assert "message_unique_external_id" in found.explain()
