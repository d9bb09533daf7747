"""Each training of an organization's spam filter is a version; the previous one is kept and
can be made active again (``sayso spam rollback``, the staff page's button); the scheduler
retrains only after new decisions."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from sayso.community import ideas
from sayso.core.models import Role
from sayso.intelligence.analysis import spam_feedback, spam_filter
from sayso.intelligence.models import SpamFilterVersion
from sayso.intelligence.tasks import retrain_spam_filters
from tests import factories
from tests.community.test_idea_pages import _staff_client
from tests.intelligence import spam_wave

pytestmark = pytest.mark.django_db


def _command(*args: str) -> str:
    out = StringIO()
    call_command("spam", *args, stdout=out)
    return out.getvalue()


def _held(org: Any, text: str) -> bool:
    verdict = spam_filter.org_spam_verdict(organization=org, text=text, author="Someone")
    return verdict is not None and verdict.is_spam


def test_versions_are_kept_and_a_rollback_brings_the_previous_one_back(org: Any) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    manager = factories.make_member(org, Role.MANAGER, username="boss").user
    idea, _ = spam_wave.board(org)
    with pytest.raises(CommandError, match="Nothing to learn from"):
        _command("retrain", "--organization", org.slug)
    assert "No organization has moderator decisions" in _command("retrain")

    wave = []
    for person, text in zip(spam_wave.spammers(org, 5), spam_wave.FIRST_WAVE, strict=True):
        comment, _ = ideas.comment_post(idea=idea, author=person, body=text)
        ideas.comment_hide(comment=comment, category="spam", actor=agent)
        wave.append(comment)
    out = _command("retrain", "--organization", org.slug)
    assert f"{org.slug}: version 1 active (5 spam, 0 not spam" in out
    assert _held(org, spam_wave.NEXT_WAVE[0])

    # The moderators change their minds: the latest decision wins, and version 2 learns it.
    for comment in wave:
        ideas.comment_restore(comment=comment, actor=agent)
    assert "up to date" not in _command("retrain", "--if-stale")
    assert "up to date" in _command("retrain", "--if-stale", "--organization", org.slug)
    v2 = SpamFilterVersion.objects.get(organization=org, is_active=True)
    assert (v2.number, v2.spam_examples, v2.ham_examples) == (2, 0, 5)
    assert not _held(org, spam_wave.NEXT_WAVE[0])
    listed = _command("versions", "--organization", org.slug)
    assert listed.index("v2 (active)") < listed.index("v1 ")

    # Roll back from the staff page (a manager's button), and from the command line.
    staff = _staff_client(manager)
    page = staff.get(reverse("spam-filter", kwargs={"org": org.slug})).content.decode()
    assert 'data-testid="rollback"' in page
    staff.post(reverse("spam-filter-rollback", kwargs={"org": org.slug}))
    assert SpamFilterVersion.objects.get(organization=org, is_active=True).number == 1
    assert _held(org, spam_wave.NEXT_WAVE[0])
    assert SpamFilterVersion.objects.filter(organization=org).count() == 2
    with pytest.raises(CommandError, match="Version 1 is the first"):
        _command("rollback", "--organization", org.slug)


def test_the_scheduler_retrains_only_after_new_decisions(org: Any, other_org: Any) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    idea, _ = spam_wave.board(org)
    assert retrain_spam_filters.call() == 0
    comment, _ = ideas.comment_post(
        idea=idea, author=spam_wave.spammers(org, 1)[0], body=spam_wave.FIRST_WAVE[0]
    )
    ideas.comment_hide(comment=comment, category="spam", actor=agent)
    assert retrain_spam_filters.call() == 1
    assert retrain_spam_filters.call() == 0
    version = SpamFilterVersion.objects.get(organization=org)
    assert version.trigger == "schedule" and version.is_active
    assert not SpamFilterVersion.objects.filter(organization=other_org).exists()
    assert spam_filter.org_spam_verdict(organization=other_org, text="anything") is None


def test_a_near_copy_of_a_released_post_is_not_held_whatever_the_base_model_said(
    org: Any,
) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    released = "Visit our depot open day on Saturday, coffee and a look at the new trucks"
    spam_feedback.spam_decision_record(
        organization=org,
        item=spam_feedback.DecidedItem("comment", 1, released, "Depot"),
        label="ham",
        actor=agent,
    )
    spam_feedback.spam_decision_record(
        organization=org,
        item=spam_feedback.DecidedItem("comment", 2, spam_wave.FIRST_WAVE[0], "Channel"),
        label="spam",
        actor=agent,
    )
    spam_filter.spam_filter_train(organization=org, trigger="test")
    base = ["a base reason"]
    assert (
        spam_filter.screen(organization_id=org.pk, text=released + "!", author=None, base=base)
        == []
    )
    unrelated = "Cheap watches, best prices this week only"
    assert (
        spam_filter.screen(organization_id=org.pk, text=unrelated, author=None, base=base) == base
    )


def test_widget_messages_and_inbox_mail_are_screened_by_the_organizations_filter(
    org: Any, other_org: Any
) -> None:
    from sayso.intelligence.analysis.store import message_analyze
    from sayso.listening.models import Mention, Outcome
    from sayso.listening.services import source_create, widget_submit

    agent = factories.make_member(org, Role.AGENT, username="mod").user
    for i, text in enumerate(spam_wave.FIRST_WAVE):
        spam_feedback.spam_decision_record(
            organization=org,
            item=spam_feedback.DecidedItem("message", 1000 + i, text, f"Channel {i}"),
            label="spam",
            actor=agent,
        )
    for i, text in enumerate(spam_wave.GENUINE):
        spam_feedback.spam_decision_record(
            organization=org,
            item=spam_feedback.DecidedItem("message", 2000 + i, text, f"Driver {i}"),
            label="ham",
            actor=agent,
        )
    spam_filter.spam_filter_train(organization=org, trigger="test")

    # A widget message of the wave is held as spam (no case opened), a genuine one is not.
    widget = source_create(
        organization=org, name="Widget", kind="widget", allowed_origins="https://x.example"
    )
    widget_submit(source=widget, message=spam_wave.NEXT_WAVE[0], submission_id="s1")
    widget_submit(source=widget, message=spam_wave.GENUINE_DURING_WAVE[1], submission_id="s2")
    held = Mention.objects.get(source=widget, text=spam_wave.NEXT_WAVE[0])
    assert (held.is_spam, held.outcome, held.case_id) == (True, Outcome.SPAM, None)
    assert any("your moderators marked as spam" in r for r in held.reasons)
    kept = Mention.objects.get(source=widget, text=spam_wave.GENUINE_DURING_WAVE[1])
    assert not kept.is_spam

    # Inbox mail: the stored analysis says spam, with the reason.
    customer = factories.make_customer(org, "Hank", "hank@example.com")
    case = factories.make_case(org, customer, body=spam_wave.NEXT_WAVE[2])
    analysis = message_analyze(message=case.messages.first())
    assert analysis.is_spam
    assert any("your moderators marked as spam" in r for r in analysis.reasons)

    # The same message to another organization is not.
    stranger = factories.make_customer(other_org, "Hank", "hank@example.com")
    other_case = factories.make_case(other_org, stranger, body=spam_wave.NEXT_WAVE[2])
    assert not message_analyze(message=other_case.messages.first()).is_spam
