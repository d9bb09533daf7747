"""Comments on roadmap items, changelog entries and reviews: the same rules as on ideas."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sayso.community import ideas, reviews
from sayso.community.models import Comment, CommentState
from sayso.roadmap import services as roadmap
from tests import factories
from tests.api.conftest import Api, make_token
from tests.community.test_idea_pages import _customer_client, _staff_client

pytestmark = pytest.mark.django_db


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def test_customers_comment_on_a_roadmap_item_and_a_published_changelog_entry(
    org: Any, customer: Any, manager: Any
) -> None:
    item = roadmap.roadmap_item_create(organization=org, title="Themes", horizon="now")
    client = _customer_client(org, customer)
    posted = client.post(_url("roadmap-item-comment", org, pk=item.pk), {"body": "When *exactly*?"})
    assert posted.status_code == 302 and posted["Location"].startswith(
        _url("roadmap-item", org, pk=item.pk)
    )
    page = Client().get(_url("roadmap-item", org, pk=item.pk))
    assert "When <em>exactly</em>?" in page.text

    draft = roadmap.changelog_entry_create(organization=org, title="Themes are here")
    with pytest.raises(ValidationError, match="when the entry is published"):
        ideas.comment_post(on=draft, author=customer, body="Early!")
    roadmap.changelog_entry_publish(entry=draft, actor=manager)
    client.post(_url("changelog-entry-comment", org, pk=draft.pk), {"body": "Love it"})
    assert "Love it" in Client().get(_url("changelog-entry", org, pk=draft.pk)).text
    anonymous = Client().post(_url("changelog-entry-comment", org, pk=draft.pk), {"body": "x"})
    assert anonymous.status_code == 302 and "/signin/" in anonymous["Location"]


def test_spam_and_repeats_on_a_review_thread_and_the_reviewer_is_told(
    org: Any, customer: Any, run_on_commit: Any
) -> None:
    review, _ = reviews.review_post(customer=customer, rating=2, body="Late pickup")
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    mail.outbox.clear()
    with run_on_commit(execute=True):
        first, _ = ideas.comment_post(on=review, author=bob, body="Same here last week")
        again, created = ideas.comment_post(on=review, author=bob, body="Same here last week ")
        spam, _ = ideas.comment_post(on=review, author=bob, body="Great post! http://x.example")
    assert first.pk == again.pk and not created
    assert spam.state == CommentState.SPAM
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    page = Client().get(_url("reviews", org)).text
    assert page.count("Same here last week") == 1 and "Great post!" not in page


def test_staff_hide_a_thread_comment_and_other_organizations_cannot(
    org: Any, customer: Any, agent: Any, outsider: Any, other_org: Any
) -> None:
    item = roadmap.roadmap_item_create(organization=org, title="Themes")
    comment, _ = ideas.comment_post(on=item, author=customer, body="My phone is +1 555 0100")
    assert (
        _staff_client(outsider)
        .post(_url("comment-hide", org, pk=comment.pk), {"category": "personal_data"})
        .status_code
        == 403
    )
    hidden = _staff_client(agent).post(
        _url("comment-hide", org, pk=comment.pk), {"category": "personal_data"}
    )
    assert hidden.status_code == 302 and hidden["Location"].endswith(f"#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.state == CommentState.HIDDEN
    assert "+1 555 0100" not in Client().get(_url("roadmap-item", org, pk=item.pk)).text
    restored = Api(Client(), make_token(agent, org)).post(f"/comments/{comment.pk}/restore", {})
    assert restored.status_code == 200 and restored.json()["idea_number"] is None
    foreign = roadmap.roadmap_item_create(organization=other_org, title="Theirs")
    assert Client().get(_url("roadmap-item", org, pk=foreign.pk)).status_code == 404
    assert (
        _customer_client(org, customer)
        .post(_url("roadmap-item-comment", org, pk=foreign.pk), {"body": "hi"})
        .status_code
        == 404
    )
    assert not Comment.objects.filter(roadmap_item=foreign).exists()
