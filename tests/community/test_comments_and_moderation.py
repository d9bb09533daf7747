from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from sayso.community import ideas, moderation
from sayso.community.models import CommentState, ModerationAction
from tests import factories

SPAM = [
    "Buy cheap viagra and cialis online without prescription at http://cheap-pharma-rx.example/",
    "Join our SEO contest! Win backlinks and rank #1 on Google: https://seo-contest-2026.example",
    "Save 70% with these coupon codes http://best-coupons-deals.example/promo",
    "Great post! http://my-site.example",
]
GENUINE = [
    "I would love this for the mobile app too, my eyes hurt at night.",
    "+1, we run 40 trucks and the drivers book late in the evening.",
    "Could the dark theme follow the phone's system setting?",
]


@pytest.mark.django_db
def test_spam_never_appears_repeats_appear_once_genuine_comments_all_appear(
    org: Any, customer: Any
) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode please")
    people = [factories.make_customer(org, f"P{i}", f"p{i}@example.com") for i in range(8)]
    for person, text in zip(people, SPAM, strict=False):
        comment, _ = ideas.comment_post(idea=idea, author=person, body=text)
        assert comment.state == CommentState.SPAM, text
        assert comment.state_reason
    for text in GENUINE:
        ideas.comment_post(idea=idea, author=customer, body=text)
    again, created = ideas.comment_post(idea=idea, author=customer, body=GENUINE[0] + "  ")
    assert again.body == GENUINE[0]
    assert not created

    public = [c.body for c in ideas.idea_comments(idea=idea)]
    assert public == GENUINE
    idea.refresh_from_db()
    assert idea.comment_count == len(GENUINE)
    held = list(ideas.spam_queue(organization=org))
    assert len(held) == len(SPAM)
    log = list(moderation.moderation_log(organization=org))
    assert {entry.actor_role for entry in log} == {"spam filter"}
    assert all(entry.reason.startswith("Held by the spam filter") for entry in log)


@pytest.mark.django_db
def test_a_long_comment_copied_from_another_person_is_held(org: Any, customer: Any) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode please")
    text = "This is exactly what our team of dispatchers has wanted for years now."
    ideas.comment_post(idea=idea, author=customer, body=text)
    copier = factories.make_customer(org, "Copier", "copy@example.com")
    copy, _ = ideas.comment_post(idea=idea, author=copier, body=text)
    assert copy.state == CommentState.SPAM
    assert "copies comment" in copy.state_reason


@pytest.mark.django_db
def test_staff_hide_only_for_spam_abuse_or_personal_data_and_the_log_says_so(
    org: Any, customer: Any, agent: Any
) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode please")
    critical, _ = ideas.comment_post(
        idea=idea, author=customer, body="Your booking site is the worst I have used. Fix it."
    )
    with pytest.raises(ValidationError, match="Nothing is hidden for being critical"):
        ideas.comment_hide(comment=critical, category="negative", actor=agent)
    ideas.comment_hide(
        comment=critical, category="personal_data", explanation="Phone number", actor=agent
    )
    critical.refresh_from_db()
    assert critical.state == CommentState.HIDDEN
    entry = moderation.moderation_log(organization=org).first()
    assert entry is not None
    assert (entry.action, entry.actor_role) == (ModerationAction.HIDE, "agent")
    assert "Personal data" in entry.reason and "Phone number" in entry.reason

    ideas.comment_restore(comment=critical, actor=agent, reason="Number removed")
    critical.refresh_from_db()
    assert critical.state == CommentState.VISIBLE
    assert moderation.moderation_log(organization=org).first().action == ModerationAction.RESTORE


@pytest.mark.django_db
def test_releasing_a_false_positive_makes_it_public(org: Any, customer: Any, agent: Any) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode please")
    held, _ = ideas.comment_post(idea=idea, author=customer, body=SPAM[3])
    ideas.comment_restore(comment=held, actor=agent)
    assert [c.pk for c in ideas.idea_comments(idea=idea)] == [held.pk]
    assert moderation.moderation_log(organization=org).first().action == ModerationAction.NOT_SPAM


@pytest.mark.django_db
def test_bad_comments_and_flags(org: Any, customer: Any, other_org: Any) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode please")
    for body in ["", "   ", "x" * 10_001]:
        with pytest.raises(ValidationError):
            ideas.comment_post(idea=idea, author=customer, body=body)
    outsider = factories.make_customer(other_org, "Eve", "eve@example.com")
    with pytest.raises(ValidationError):
        ideas.comment_post(idea=idea, author=outsider, body="Hello from elsewhere")
    comment, _ = ideas.comment_post(idea=idea, author=customer, body="A fine comment")
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    flag, created = moderation.flag_create(customer=bob, comment=comment, reason="Off topic")
    again, created_again = moderation.flag_create(customer=bob, comment=comment, reason="Still")
    assert created and not created_again and again.pk == flag.pk
    assert list(moderation.open_flags(organization=org)) == [flag]
    with pytest.raises(ValidationError):
        moderation.flag_create(customer=bob, idea=idea, reason="")


@pytest.mark.django_db
def test_comments_keep_their_html_and_an_old_row_is_rendered_when_shown(
    org: Any, customer: Any
) -> None:
    from django.test import Client

    from sayso.community.models import Comment

    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode please")
    comment, _ = ideas.comment_post(idea=idea, author=customer, body="Yes **please**")
    assert comment.body_html == "<p>Yes <strong>please</strong></p>\n"
    Comment.objects.bulk_create(
        [
            Comment(
                organization=org, idea=idea, author=customer, body="An *old* one", body_digest="x"
            )
        ]
    )
    page = Client().get(f"/o/{org.slug}/ideas/{idea.number}/").text
    assert "<strong>please</strong>" in page and "<em>old</em>" in page
