"""An email's unsubscribe link: opening it changes nothing, the page's POST or the mail
client's RFC 8058 one-click POST unsubscribes, and "Undo" can only follow again what was just
unsubscribed from (issue 19, finding 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sayso.community import following, ideas
from sayso.community.following import idea_subject
from sayso.community.models import Follow
from tests import factories


def _link(org: Any, customer: Any) -> tuple[str, Any]:
    """The unsubscribe address of the customer's only follow (their idea's), and the idea."""
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    follow = Follow.objects.get(customer=customer, subject=idea_subject(idea))
    token = following.unsubscribe_token(customer_id=customer.pk, follow_id=follow.pk)
    return reverse("unsubscribe", kwargs={"org": org.slug, "token": token}), idea


def _foreign_idea(other_org: Any) -> Any:
    rival = factories.make_customer(other_org, "Rival", "rival@example.com")
    return ideas.idea_post(organization=other_org, author=rival, title="Vans")[0]


def _follows(customer: Any) -> set[str]:
    return set(Follow.objects.filter(customer=customer).values_list("subject", flat=True))


@pytest.mark.django_db
def test_opening_the_link_changes_nothing_and_asks_with_a_button(org: Any, customer: Any) -> None:
    url, idea = _link(org, customer)
    browser = Client(enforce_csrf_checks=True)
    for _ in range(2):  # a mail scanner opening the link, then the customer
        page = browser.get(url)
        assert page.status_code == 200
        assert _follows(customer) == {idea_subject(idea)}
    assert 'data-testid="unsubscribe-confirm"' in page.text
    assert "Idea #1: Dark mode" in page.text
    csrf = page.context["csrf_token"]
    done = browser.post(url, {"csrfmiddlewaretoken": str(csrf)})
    assert done.status_code == 200 and "No more emails about this" in done.text
    assert _follows(customer) == set()


@pytest.mark.django_db
def test_the_mail_clients_one_click_post_unsubscribes_without_a_csrf_token(
    org: Any, customer: Any
) -> None:
    url, _ = _link(org, customer)
    # RFC 8058: exactly this body, form-encoded, with no cookie or session.
    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert _follows(customer) == set()


@pytest.mark.django_db
def test_any_other_post_without_a_csrf_token_is_refused_and_changes_nothing(
    org: Any, customer: Any
) -> None:
    url, idea = _link(org, customer)
    client = Client(enforce_csrf_checks=True)
    for data in [
        {"everything": "1"},
        {"List-Unsubscribe": "One-Click", "everything": "1"},
        {"undo": "idea:1"},
        {},
    ]:
        assert client.post(url, data).status_code == 403, data
    assert _follows(customer) == {idea_subject(idea)}
    assert following.settings_for(customer).emails_stopped_at is None


@pytest.mark.django_db
def test_undo_follows_again_only_what_was_just_unsubscribed_from(
    org: Any, customer: Any, other_org: Any
) -> None:
    url, idea = _link(org, customer)
    done = Client().post(url)
    assert _follows(customer) == set()
    hidden = factories.make_customer(org, "Hidden Harry", "harry@example.com")
    foreign = _foreign_idea(other_org)
    forged = [
        f"person:{hidden.pk}",  # someone who never chose to be visible
        "person:1",
        idea_subject(foreign),  # another organization's idea
        "junk",
        "idea:999999",
        # A properly signed undo, but made for someone else, or for a subject never followed.
        following.unsubscribe_undo_token(customer_id=hidden.pk, subject=idea_subject(idea)),
        following.unsubscribe_undo_token(customer_id=customer.pk, subject=idea_subject(foreign)),
        following.unsubscribe_undo_token(customer_id=customer.pk, subject="person:1"),
        "x" * 5000,
    ]
    for undo in forged:
        response = Client().post(url, {"undo": undo})
        assert response.status_code == 400, undo
    assert _follows(customer) == set()
    # The page's own undo works.
    again = Client().post(url, {"undo": done.context["result"].undo})
    assert again.status_code == 302
    assert _follows(customer) == {idea_subject(idea)}


@pytest.mark.django_db
def test_undo_under_another_organizations_address_finds_no_one(
    org: Any, customer: Any, other_org: Any
) -> None:
    url, _ = _link(org, customer)
    done = Client().post(url)
    foreign_url = url.replace(f"/o/{org.slug}/", f"/o/{other_org.slug}/")
    response = Client().post(foreign_url, {"undo": done.context["result"].undo})
    assert response.status_code == 404
    assert _follows(customer) == set()


@pytest.mark.django_db
def test_follow_add_refuses_what_cannot_be_followed(
    org: Any, customer: Any, other_org: Any
) -> None:
    foreign = _foreign_idea(other_org)
    hidden = factories.make_customer(org, "Hidden Harry", "harry@example.com")
    before = _follows(customer)
    for subject in [
        idea_subject(foreign),
        f"person:{hidden.pk}",
        "junk",
        "",
        "idea:",
        "idea:١٢",  # digits, but not ASCII ones
        "category:99999",
        "status:1",
    ]:
        with pytest.raises(ValidationError):
            following.follow_add(customer=customer, subject=subject)
    assert _follows(customer) == before
    assert following.follow_add(customer=customer, subject="status").subject == "status"
