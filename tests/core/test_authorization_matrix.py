"""Every web page and action against every kind of visitor: anonymous, customer A, customer B,
an agent, an admin, and staff of another organization."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.conversations import services
from sayso.conversations.models import Message
from sayso.core.models import Role
from sayso.core.services import api_token_create
from sayso.customers.services import customer_merge
from tests import factories

NOTE = "INTERNAL: customer is on the watch list, do not offer discounts"


@dataclass
class World:
    org: Any
    agent: Any
    admin: Any
    outsider: Any
    customer_a: Any
    customer_b: Any
    case_a: Any
    case_b: Any
    commitment: Any
    merge: Any
    token: Any


@pytest.fixture
def world(db: Any) -> World:
    org = factories.make_org("Haulright", "haulright")
    other = factories.make_org("Rival", "rival")
    agent = factories.make_member(org, Role.AGENT, username="agent").user
    admin = factories.make_member(org, Role.ADMIN, username="admin").user
    outsider_membership = factories.make_member(other, Role.ADMIN, username="outsider")
    customer_a = factories.make_customer(org, "Ann A", "ann@example.com")
    customer_b = factories.make_customer(org, "Bob B", "bob@example.com")
    case_a = factories.make_case(org, customer_a, subject="Ann's truck", body="Where is my truck?")
    case_b = factories.make_case(org, customer_b, subject="Bob's invoice", body="Invoice wrong")
    services.message_note(case=case_a, author=agent, body=NOTE)
    services.message_reply(case=case_a, author=agent, body="We are on it, Ann.")
    commitment = factories.make_commitment(case_a, agent, description="Call Ann back")
    dup = factories.make_customer(org, "Ann dup", "ann.dup@example.com")
    merge = customer_merge(source=dup, target=customer_a, actor=admin)
    membership = admin.memberships.get(organization=org)
    token, _ = api_token_create(membership=membership, name="ci", scopes=["cases:read"])
    return World(
        org,
        agent,
        admin,
        outsider_membership.user,
        customer_a,
        customer_b,
        case_a,
        case_b,
        commitment,
        merge,
        token,
    )


def _client(world: World, who: str) -> Client:
    client = Client()
    if who in {"agent", "admin", "outsider"}:
        client.force_login(getattr(world, who))
    elif who in {"customer_a", "customer_b"}:
        session = client.session
        session[f"portal-customer:{world.org.pk}"] = getattr(world, who).pk
        session.save()
    return client


VISITORS = ["anonymous", "customer_a", "customer_b", "agent", "admin", "outsider"]


def _staff_pages(w: World) -> list[str]:
    slug = w.org.slug
    return [
        reverse("inbox", kwargs={"org": slug}),
        reverse("inbox", kwargs={"org": slug}) + "?q=truck&status=",
        reverse("case-detail", kwargs={"org": slug, "number": w.case_a.number}),
        reverse("customer-list", kwargs={"org": slug}),
        reverse("customer-detail", kwargs={"org": slug, "pk": w.customer_a.pk}),
        reverse("merge-suggestions", kwargs={"org": slug}),
        reverse("commitment-list", kwargs={"org": slug}),
        reverse("alert-list", kwargs={"org": slug}),
        reverse("api-tokens", kwargs={"org": slug}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", VISITORS)
def test_staff_pages_only_for_staff_of_the_organization(world: World, who: str) -> None:
    client = _client(world, who)
    for url in _staff_pages(world):
        response = client.get(url)
        if who in {"agent", "admin"}:
            assert response.status_code == 200, (who, url)
        elif who == "outsider":
            assert response.status_code == 404, (who, url)
        else:
            assert response.status_code == 302, (who, url)
            assert response["Location"].startswith(reverse("staff-login")), (who, url)


def _staff_actions(w: World) -> list[tuple[str, dict[str, Any]]]:
    slug = w.org.slug
    n = w.case_a.number
    return [
        (reverse("case-reply", kwargs={"org": slug, "number": n}), {"kind": "note", "body": "x"}),
        (reverse("case-update", kwargs={"org": slug, "number": n}), {"status": "pending"}),
        (
            reverse("case-handoff", kwargs={"org": slug, "number": n}),
            {"to_user": str(w.admin.pk), "note": "over to you"},
        ),
        (
            reverse("commitment-make", kwargs={"org": slug, "number": n}),
            {"description": "Ring", "owner": str(w.agent.pk), "due_at": "2099-01-01T10:00"},
        ),
        (
            reverse(
                "commitment-close", kwargs={"org": slug, "pk": w.commitment.pk, "action": "keep"}
            ),
            {},
        ),
        (
            reverse("identity-add", kwargs={"org": slug, "pk": w.customer_a.pk}),
            {"kind": "phone", "value": "+15550001111"},
        ),
        (
            reverse("customer-merge", kwargs={"org": slug, "pk": w.customer_a.pk}),
            {"source": str(w.customer_b.pk)},
        ),
        (reverse("customer-unmerge", kwargs={"org": slug, "merge_pk": w.merge.pk}), {}),
        (reverse("alerts-read", kwargs={"org": slug}), {}),
        (reverse("api-token-revoke", kwargs={"org": slug, "pk": w.token.pk}), {}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "customer_a", "outsider"])
def test_staff_actions_refused_and_change_nothing_for_non_staff(world: World, who: str) -> None:
    client = _client(world, who)
    messages_before = Message.objects.count()
    for url, data in _staff_actions(world):
        response = client.post(url, data)
        assert response.status_code in {302, 404}, (who, url)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("staff-login"))
    assert Message.objects.count() == messages_before
    world.case_a.refresh_from_db()
    world.commitment.refresh_from_db()
    world.customer_b.refresh_from_db()
    world.merge.refresh_from_db()
    world.token.refresh_from_db()
    assert world.case_a.status == "open"
    assert world.case_a.assignee is None
    assert world.commitment.status == "open"
    assert world.customer_b.merged_into is None
    assert world.merge.undone_at is None
    assert world.token.revoked_at is None


@pytest.mark.django_db
def test_staff_actions_work_for_an_agent(world: World) -> None:
    client = _client(world, "agent")
    for url, data in _staff_actions(world):
        if "tokens" in url:
            continue  # the admin's own token: an agent gets 404 (see below)
        response = client.post(url, data)
        assert response.status_code == 302, url
    world.case_a.refresh_from_db()
    assert world.case_a.status == "pending"
    assert world.case_a.assignee == world.admin
    world.merge.refresh_from_db()
    assert world.merge.undone_at is not None


@pytest.mark.django_db
def test_a_token_can_be_revoked_only_by_its_owner(world: World) -> None:
    url = reverse("api-token-revoke", kwargs={"org": world.org.slug, "pk": world.token.pk})
    assert _client(world, "agent").post(url).status_code == 404
    assert _client(world, "admin").post(url).status_code == 302
    world.token.refresh_from_db()
    assert world.token.revoked_at is not None


@pytest.mark.django_db
def test_staff_get_refuses_actions(world: World) -> None:
    client = _client(world, "agent")
    url = reverse("case-reply", kwargs={"org": world.org.slug, "number": world.case_a.number})
    assert client.get(url).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("who", VISITORS)
def test_portal_pages_show_each_customer_only_their_own(world: World, who: str) -> None:
    client = _client(world, who)
    slug = world.org.slug
    cases_url = reverse("portal-cases", kwargs={"org": slug})
    case_a_url = reverse("portal-case", kwargs={"org": slug, "number": world.case_a.number})
    new_url = reverse("portal-case-new", kwargs={"org": slug})
    home = client.get(reverse("portal-home", kwargs={"org": slug}))
    assert home.status_code == 200
    list_response = client.get(cases_url)
    case_response = client.get(case_a_url)
    if who == "customer_a":
        assert list_response.status_code == 200
        assert "Ann&#x27;s truck" in list_response.text
        assert "Bob&#x27;s invoice" not in list_response.text
        assert case_response.status_code == 200
        assert "We are on it, Ann." in case_response.text
        assert NOTE not in case_response.text
        assert client.get(new_url).status_code == 200
    elif who == "customer_b":
        assert list_response.status_code == 200
        assert "Bob&#x27;s invoice" in list_response.text
        assert "Ann&#x27;s truck" not in list_response.text
        assert case_response.status_code == 404
    else:
        # Staff have no portal session: the portal treats them like anyone signed out.
        for response in (list_response, case_response):
            assert response.status_code == 302
            assert reverse("portal-signin", kwargs={"org": slug}) in response["Location"]


@pytest.mark.django_db
def test_customer_b_cannot_reply_to_customer_a_case(world: World) -> None:
    client = _client(world, "customer_b")
    url = reverse("portal-case", kwargs={"org": world.org.slug, "number": world.case_a.number})
    before = Message.objects.count()
    response = client.post(url, {"body": "hijack", "submission_id": "a" * 32})
    assert response.status_code == 404
    assert Message.objects.count() == before


@pytest.mark.django_db
def test_internal_notes_never_reach_a_customer_page(world: World) -> None:
    client = _client(world, "customer_a")
    slug = world.org.slug
    pages = [
        reverse("portal-home", kwargs={"org": slug}),
        reverse("portal-cases", kwargs={"org": slug}),
        reverse("portal-case", kwargs={"org": slug, "number": world.case_a.number}),
        reverse("home"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert NOTE not in response.text, url
        assert "watch list" not in response.text, url


@pytest.mark.django_db
def test_unknown_organization_is_404_everywhere(world: World) -> None:
    client = _client(world, "admin")
    assert client.get("/staff/nope/").status_code == 404
    assert client.get("/o/nope/").status_code == 404
    assert client.get("/o/nope/cases/").status_code == 404


@pytest.mark.django_db
def test_customer_of_one_org_is_signed_out_in_another(world: World) -> None:
    client = _client(world, "customer_a")
    other = factories.make_org("Third", "third")
    response = client.get(reverse("portal-cases", kwargs={"org": other.slug}))
    assert response.status_code == 302
