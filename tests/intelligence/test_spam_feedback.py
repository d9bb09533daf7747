"""Moderators teach the spam filter, through the web pages (issue 21, scenario 7): a spam wave
the base model misses is held after five moderator decisions and a retrain; a wrongly held
genuine comment is released with its look-alikes in one click and one more; another
organization's filter is unaffected; decisions are idempotent and the latest wins."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sayso.community import ideas
from sayso.community.models import Comment, CommentState, ModerationAction, ModerationEntry
from sayso.core.models import Role
from sayso.intelligence.analysis import spam_feedback, spam_filter
from sayso.intelligence.models import SpamDecision, SpamFilterVersion
from tests import factories
from tests.community.test_idea_pages import _customer_client, _staff_client
from tests.intelligence import spam_wave

pytestmark = pytest.mark.django_db


def _comment_on(org: Any, idea: Any, customer: Any, text: str) -> Comment:
    """A customer comments through the idea page's form."""
    response = _customer_client(org, customer).post(
        reverse("idea-comment", kwargs={"org": org.slug, "number": idea.number}), {"body": text}
    )
    assert response.status_code == 302, response.content[:300]
    return Comment.objects.get(idea=idea, author=customer, body=text)


def test_a_spam_wave_the_base_model_misses_is_held_after_five_moderator_decisions(
    org: Any, other_org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    idea, _ = spam_wave.board(org)
    staff = _staff_client(agent)

    # The wave starts: the base model lets every one of them through.
    first = [
        _comment_on(org, idea, person, text)
        for person, text in zip(spam_wave.spammers(org, 5), spam_wave.FIRST_WAVE, strict=True)
    ]
    assert [c.state for c in first] == [CommentState.VISIBLE] * 5, "the base model caught it"

    # A moderator hides the five as spam, from the idea page's own form.
    for comment in first:
        response = staff.post(
            reverse("comment-hide", kwargs={"org": org.slug, "pk": comment.pk}),
            {"category": "spam"},
        )
        assert response.status_code == 302
    decisions = SpamDecision.objects.filter(organization=org)
    assert sorted(decisions.values_list("object_id", flat=True)) == sorted(c.pk for c in first)
    assert set(decisions.values_list("label", "kind", "decided_by")) == {
        ("spam", "comment", agent.pk)
    }
    one = decisions.get(object_id=first[0].pk)
    assert one.text == spam_wave.FIRST_WAVE[0] and one.author_name == "Channel 0"
    assert one.url.endswith(f"#comment-{first[0].pk}")

    # "Retrain now" on the filter page (the worker runs it; here at once).
    page = staff.get(reverse("spam-filter", kwargs={"org": org.slug}))
    assert b"New decisions since the active version" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("spam-filter-retrain", kwargs={"org": org.slug}))
    assert response.status_code == 302
    version = SpamFilterVersion.objects.get(organization=org, is_active=True)
    assert (version.number, version.spam_examples, version.ham_examples) == (1, 5, 0)
    assert version.background_examples >= len(spam_wave.GENUINE)
    assert version.metrics["spam_recall"] >= 0.8
    page = staff.get(reverse("spam-filter", kwargs={"org": org.slug})).content.decode()
    assert "v1" in page and "active" in page

    # The wave goes on in other words: every one is held, with a reason a moderator reads,
    # and the hold is in the public log.
    nexts = [
        _comment_on(org, idea, person, text)
        for person, text in zip(spam_wave.spammers(org, 5, 5), spam_wave.NEXT_WAVE, strict=True)
    ]
    for comment in nexts:
        assert comment.state == CommentState.SPAM, comment.body
        assert "your moderators marked as spam" in comment.state_reason
        assert "like " in comment.state_reason
    public_log = Client().get(reverse("moderation-log", kwargs={"org": org.slug})).content
    assert public_log.count(b"your moderators marked as spam") == len(nexts)

    # Nothing genuine is held meanwhile.
    for i, text in enumerate(spam_wave.GENUINE_DURING_WAVE):
        person = factories.make_customer(org, f"Reader {i}", f"r{i}@example.com")
        assert _comment_on(org, idea, person, text).state == CommentState.VISIBLE, text
    public = {c.body for c in ideas.idea_comments(idea=idea)}
    assert set(spam_wave.GENUINE) | set(spam_wave.GENUINE_DURING_WAVE) <= public
    assert not public & set(spam_wave.NEXT_WAVE)

    # Another organization's filter learnt nothing from this one's moderators.
    other_idea, _ = spam_wave.board(other_org)
    for person, text in zip(spam_wave.spammers(other_org, 5, 5), spam_wave.NEXT_WAVE, strict=True):
        assert _comment_on(other_org, other_idea, person, text).state == CommentState.VISIBLE


def _trained_board(org: Any, agent: Any) -> Any:
    idea, _ = spam_wave.board(org)
    for person, text in zip(spam_wave.spammers(org, 5), spam_wave.FIRST_WAVE, strict=True):
        from sayso.community import ideas

        comment, _ = ideas.comment_post(idea=idea, author=person, body=text)
        ideas.comment_hide(comment=comment, category="spam", actor=agent)
    spam_filter.spam_filter_train(organization=org, trigger="test")
    return idea


def test_a_wrongly_held_comment_is_released_in_one_click_and_its_lookalikes_with_one_more(
    org: Any,
) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    idea = _trained_board(org, agent)
    staff = _staff_client(agent)
    # Drivers of one depot sign the same plea: genuine, but held as copies of one another.
    plea = (
        "We, the night-shift drivers of the Denver depot, ask for dark mode before winter: "
        "the white screens blind us on the road."
    )
    first_signer = factories.make_customer(org, "Depot 4 lead", "lead@example.com")
    assert _comment_on(org, idea, first_signer, plea).state == CommentState.VISIBLE
    held = []
    for i in range(3):
        person = factories.make_customer(org, f"Depot 4 driver {i}", f"f{i}@example.com")
        held.append(_comment_on(org, idea, person, plea))
    assert [c.state for c in held] == [CommentState.SPAM] * 3
    assert all("copies comment" in c.state_reason for c in held)

    # One click in the moderation queue releases the first and offers its look-alikes.
    queue = staff.get(reverse("moderation-queue", kwargs={"org": org.slug})).content.decode()
    assert f'name="item" value="comment:{held[0].pk}"' in queue
    response = staff.post(
        reverse("spam-filter-release", kwargs={"org": org.slug}),
        {"item": f"comment:{held[0].pk}"},
    )
    assert response.status_code == 302
    assert f"released=comment:{held[0].pk}" in response["Location"]
    held[0].refresh_from_db()
    assert held[0].state == CommentState.VISIBLE
    offer = staff.get(response["Location"]).content.decode()
    assert 'data-testid="lookalikes"' in offer
    for comment in held[1:]:
        assert f'value="comment:{comment.pk}" checked' in offer
        comment.refresh_from_db()
        assert comment.state == CommentState.SPAM  # offered, not released unasked

    # "Release these too".
    response = staff.post(
        reverse("spam-filter-release", kwargs={"org": org.slug}),
        {
            "item": f"comment:{held[0].pk}",
            "only_lookalikes": "1",
            "lookalike": [f"comment:{c.pk}" for c in held[1:]],
        },
    )
    assert response.status_code == 302
    for comment in held:
        comment.refresh_from_db()
        assert comment.state == CommentState.VISIBLE
        entry = ModerationEntry.objects.filter(comment=comment).order_by("-id").first()
        assert entry is not None and entry.action == ModerationAction.NOT_SPAM
        assert entry.actor_role == "agent"
    assert set(
        SpamDecision.objects.filter(organization=org, label="ham").values_list(
            "object_id", flat=True
        )
    ) == {c.pk for c in held}
    # The wave itself stays held: only look-alikes of the released post were offered.
    assert Comment.objects.filter(organization=org, state=CommentState.SPAM).count() == 5

    # Retrained, the filter knows the released posts as "not spam".
    version = spam_filter.spam_filter_train(organization=org, trigger="test")
    assert (version.number, version.spam_examples, version.ham_examples) == (2, 5, 3)
    assert version.metrics["released_kept_public"] == 1.0


def test_decisions_are_idempotent_per_item_and_the_latest_wins(org: Any) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    item = spam_feedback.DecidedItem("comment", 41, "Check out my channel", "Someone")
    first, changed = spam_feedback.spam_decision_record(
        organization=org, item=item, label="spam", actor=agent
    )
    again, changed_again = spam_feedback.spam_decision_record(
        organization=org, item=item, label="spam", actor=agent
    )
    assert changed and not changed_again and again.pk == first.pk
    latest, changed = spam_feedback.spam_decision_record(
        organization=org, item=item, label="ham", actor=agent
    )
    assert changed and latest.pk == first.pk and latest.label == "ham"
    assert SpamDecision.objects.filter(organization=org).count() == 1
    with pytest.raises(Exception, match="spam"):
        spam_feedback.spam_decision_record(organization=org, item=item, label="maybe")


def test_hides_for_abuse_and_the_filters_own_holds_are_no_decisions(org: Any) -> None:
    from sayso.community import ideas

    agent = factories.make_member(org, Role.AGENT, username="mod").user
    idea, people = spam_wave.board(org)
    comment = Comment.objects.filter(idea=idea).first()
    assert comment is not None
    ideas.comment_hide(comment=comment, category="abuse", actor=agent)
    ideas.comment_restore(comment=comment, actor=agent)
    held, _ = ideas.comment_post(
        idea=idea,
        author=people[1],
        body="Buy cheap viagra and cialis online without prescription at "
        "http://cheap-pharma-rx.example/",
    )
    assert held.state == CommentState.SPAM
    assert not SpamDecision.objects.exists()
    # An idea held as spam and restored is a "not spam".
    ideas.idea_hide(idea=idea, category="spam", actor=agent)
    ideas.idea_restore(idea=idea, actor=agent)
    decision = SpamDecision.objects.get()
    assert (decision.kind, decision.object_id, decision.label) == ("idea", idea.pk, "ham")


def test_marking_an_inbox_message_and_a_mention_teaches_the_filter(org: Any) -> None:
    from sayso.intelligence.models import MessageAnalysis
    from sayso.listening.models import Mention, Outcome, Source

    agent = factories.make_member(org, Role.AGENT, username="mod").user
    customer = factories.make_customer(org, "Ann", "ann@example.com")
    case = factories.make_case(org, customer)
    message = factories.inbound(org, case, "Hey, check out my channel, I make videos about vans")
    staff = _staff_client(agent)
    page = staff.get(reverse("case-detail", kwargs={"org": org.slug, "number": case.number}))
    assert b'data-testid="mark-spam"' in page.content
    response = staff.post(
        reverse("spam-filter-mark", kwargs={"org": org.slug}),
        {"kind": "message", "id": message.pk, "label": "spam", "next": "/evil.example/"},
    )
    assert response.status_code == 302
    decision = SpamDecision.objects.get(kind="message")
    assert (decision.object_id, decision.label, decision.where) == (message.pk, "spam", "inbox")
    analysis = MessageAnalysis.objects.filter(message=message).first()
    assert analysis is None or analysis.is_spam
    # Analyzed again (a retrained base model), the message keeps the moderator's decision.
    from sayso.intelligence.analysis.store import message_analyze

    again = message_analyze(message=message, force=True)
    assert again.is_spam and "marked as spam by a moderator" in again.reasons

    source = Source.objects.create(
        organization=org, name="Blog", kind="rss", url="https://x.test/f"
    )
    mention = Mention.objects.create(
        organization=org,
        source=source,
        external_id="m1",
        text="Great post! Visit my shop",
        author_name="Shop",
        published_at=message.sent_at,
        outcome=Outcome.SPAM,
        is_spam=True,
        sentiment="neutral",
        sentiment_score=0.0,
    )
    mentions_page = staff.get(
        reverse("mention-list", kwargs={"org": org.slug}), {"spam": "all"}
    ).content
    assert b'data-testid="mention-not-spam"' in mentions_page
    staff.post(
        reverse("spam-filter-mark", kwargs={"org": org.slug}),
        {"kind": "mention", "id": mention.pk, "label": "ham"},
    )
    mention.refresh_from_db()
    assert (mention.is_spam, mention.outcome) == (False, Outcome.KEPT)
    assert SpamDecision.objects.get(kind="mention").label == "ham"
    # Another organization's message cannot be marked from here.
    other = factories.make_org("Other", "other")
    stranger = factories.make_customer(other, "S", "s@example.com")
    foreign = factories.inbound(other, factories.make_case(other, stranger), "hello")
    staff.post(
        reverse("spam-filter-mark", kwargs={"org": org.slug}),
        {"kind": "message", "id": foreign.pk, "label": "spam"},
    )
    assert not SpamDecision.objects.filter(object_id=foreign.pk, kind="message").exists()
