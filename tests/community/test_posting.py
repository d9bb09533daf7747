"""The public-post pipeline (``sayso.community.posting``): every reason the spam analysis gives
for holding a post is kept, in the post and in the public moderation log, and moderators see
them all in their queue; ideas, comments, questions, answers and reviews go through it alike."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.community import ideas, moderation, posting, qa, reviews
from sayso.community.models import CommentState, ModerationAction
from sayso.intelligence.analysis import pipeline

# What the spam model says of a shop's post: one reason names spam, the others are readable
# reasons of their own that an earlier filter dropped.
REASONS = ["spam words", "author name is a shop", "self-promotion"]


@pytest.fixture
def spam_model(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The analysis holds every post, with ``REASONS``."""

    def analyze(items: list[Any], **_: Any) -> list[Any]:
        return [SimpleNamespace(is_spam=True, reasons=list(REASONS)) for _ in items]

    monkeypatch.setattr(pipeline, "analyze", analyze)
    return REASONS


@pytest.mark.django_db
def test_every_reason_of_the_analysis_is_kept(customer: Any, spam_model: list[str]) -> None:
    assert posting.spam_reasons("Cheap truck rentals at Haulright Deals", customer) == REASONS


@pytest.mark.django_db
def test_each_kind_of_post_is_held_with_every_reason_in_the_public_log(
    org: Any, customer: Any, agent: Any, spam_model: list[str]
) -> None:
    staff_idea, _ = ideas.idea_post(organization=org, author_user=agent, title="Dark mode")
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Cheap truck rentals")
    comment, _ = ideas.comment_post(idea=staff_idea, author=customer, body="Visit our shop")
    question, _ = qa.question_ask(organization=org, author=customer, title="Cheap trucks where?")
    staff_question, _ = qa.question_ask(organization=org, author_user=agent, title="How to sync?")
    answer, _ = qa.answer_post(question=staff_question, author=customer, body="Buy from our shop")
    review, _ = reviews.review_post(customer=customer, rating=5, body="Best shop ever")

    assert staff_idea.hidden_at is None and staff_question.hidden_at is None  # staff: never
    assert idea.hidden_at is not None and question.hidden_at is not None
    assert review.hidden_at is not None and all(r in review.hidden_reason for r in REASONS)
    for held in (comment, answer):
        assert held.state == CommentState.SPAM
        assert held.state_reason == "; ".join(REASONS)
    log = list(moderation.moderation_log(organization=org))
    assert len(log) == 5
    for entry in log:
        assert entry.action == ModerationAction.SPAM and entry.actor_role == "spam filter"
        assert entry.reason == "Held by the spam filter: " + "; ".join(REASONS)

    client = Client()
    client.force_login(agent)
    queue = client.get(reverse("moderation-queue", kwargs={"org": org.slug})).text
    assert "author name is a shop" in queue and "self-promotion" in queue


@pytest.mark.django_db
def test_a_copy_of_another_persons_answer_is_held_as_a_copy(org: Any, customer: Any) -> None:
    from tests import factories

    question, _ = qa.question_ask(organization=org, author=customer, title="Trucks in Denver?")
    text = "The depot on Colfax has 16 ft trucks most mornings before nine."
    first, _ = qa.answer_post(question=question, author=customer, body=text)
    copier = factories.make_customer(org, "Copier", "copy@example.com")
    copy, _ = qa.answer_post(question=question, author=copier, body=text)
    assert first.state == CommentState.VISIBLE
    assert copy.state == CommentState.SPAM
    assert copy.state_reason == f"copies answer #{first.pk} by another person"
