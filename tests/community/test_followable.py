"""What can be followed by email: each app registers its followable subjects, and every way of
following (``follow_add``, the unsubscribe page's undo, the API) refuses an unknown kind,
another organization's thing and what that person may not see, each with its own reason."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sayso.community import following, ideas
from sayso.community.following import idea_subject
from sayso.community.models import Follow, Idea, Question
from sayso.roadmap.models import ChangelogEntry, RoadmapItem
from sayso.status.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


def _refusal(customer: Any, subject: str) -> str:
    with pytest.raises(ValidationError) as refused:
        following.follow_add(customer=customer, subject=subject)
    return " ".join(refused.value.messages)


def hidden_idea(org: Any, author: Any) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title="Night mode for drivers")
    Idea.objects.filter(pk=idea.pk).update(hidden_at=timezone.now())
    return idea


def test_every_apps_kinds_are_registered() -> None:
    kinds = {f.kind for f in following.followables()}
    assert kinds == {
        "ideas",
        "questions",
        "changelog",
        "roadmap",
        "status",
        "idea",
        "category",
        "question",
        "review",
        "person",
        "roadmap-item",
        "changelog-entry",
        "incident",
    }
    assert {f.kind for f in following.followables() if f.whole} == set(following.WHOLE_SUBJECTS)


def test_an_unknown_kind_is_refused_saying_what_can_be_followed(customer: Any) -> None:
    for subject in ["junk", "ideas:3", "idea", "status:1", "", "deal:1"]:
        reason = _refusal(customer, subject)
        assert "Follow one of" in reason and "idea:<id>" in reason and "incident:<id>" in reason
    assert "no such" not in _refusal(customer, "idea:x").lower()
    assert "give its number" in _refusal(customer, "idea:x")
    assert not Follow.objects.filter(customer=customer).exists()


def test_another_organizations_things_are_refused(org: Any, customer: Any, other_org: Any) -> None:
    rival = factories.make_customer(other_org, "Rival", "rival@example.com")
    idea, _ = ideas.idea_post(organization=other_org, author=rival, title="Vans")
    incident = Incident.objects.create(
        organization=other_org, title="Down", started_at=timezone.now()
    )
    item = RoadmapItem.objects.create(organization=other_org, title="Bigger vans")
    for subject, name in [
        (idea_subject(idea), "idea"),
        (f"incident:{incident.pk}", "incident"),
        (f"roadmap-item:{item.pk}", "roadmap item"),
        ("idea:999999", "idea"),
    ]:
        reason = _refusal(customer, subject)
        assert reason.startswith(f"This organization has no {name} "), reason
    assert not Follow.objects.filter(customer=customer).exists()
    # The same kinds of this organization can be followed.
    ours = RoadmapItem.objects.create(organization=org, title="Live tracking")
    assert following.follow_add(customer=customer, subject=f"roadmap-item:{ours.pk}")


def test_what_the_person_may_not_see_is_refused_and_the_author_may_follow_their_own(
    org: Any, customer: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    hidden = hidden_idea(org, bob)
    Follow.objects.filter(customer=bob).delete()
    draft = ChangelogEntry.objects.create(organization=org, title="v2")
    question = Question.objects.create(
        organization=org, number=1, title="Where is my truck?", deleted_at=timezone.now()
    )
    for subject, name in [
        (idea_subject(hidden), "idea"),
        (f"changelog-entry:{draft.pk}", "changelog entry"),
        (f"question:{question.pk}", "question"),
        (f"person:{bob.pk}", "person"),  # Bob never chose to be visible
    ]:
        reason = _refusal(customer, subject)
        assert reason == f"This {name} is not public: it cannot be followed.", reason
    assert not Follow.objects.filter(customer=customer).exists()
    assert following.follow_add(customer=bob, subject=idea_subject(hidden))
    draft.published_at = timezone.now()
    draft.save()
    assert following.follow_add(customer=customer, subject=f"changelog-entry:{draft.pk}")


def test_undo_of_an_unsubscribe_is_refused_once_the_idea_is_hidden(org: Any, customer: Any) -> None:
    idea, _ = ideas.idea_post(organization=org, author=customer, title="Dark mode")
    follow = Follow.objects.get(customer=customer, subject=idea_subject(idea))
    token = following.unsubscribe_token(customer_id=customer.pk, follow_id=follow.pk)
    url = reverse("unsubscribe", kwargs={"org": org.slug, "token": token})
    done = Client().post(url)
    undo = done.context["result"].undo
    # Hidden by a moderator in between: its author still sees it, so the undo works for them.
    Idea.objects.filter(pk=idea.pk).update(hidden_at=timezone.now())
    assert Client().post(url, {"undo": undo}).status_code == 302
    # Another person's undo of a hidden idea is refused with the reason.
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    other = hidden_idea(org, customer)
    bob_follow = Follow.objects.create(organization=org, customer=bob, subject=idea_subject(other))
    bob_token = following.unsubscribe_token(customer_id=bob.pk, follow_id=bob_follow.pk)
    bob_url = reverse("unsubscribe", kwargs={"org": org.slug, "token": bob_token})
    bob_undo = Client().post(bob_url).context["result"].undo
    refused = Client().post(bob_url, {"undo": bob_undo})
    assert refused.status_code == 400
    assert "not public" in refused.content.decode()
    assert not Follow.objects.filter(customer=bob).exists()


def test_a_kind_an_app_registers_becomes_followable(org: Any, customer: Any) -> None:
    thing = SimpleNamespace(organization_id=org.pk)
    try:
        following.followable_register(
            "widget", name="widget", get=lambda pk: thing if pk == 7 else None
        )
        assert following.follow_add(customer=customer, subject="widget:7")
        assert "no widget" in _refusal(customer, "widget:8")
    finally:
        from sayso.community.following import subjects

        subjects._registry.pop("widget", None)
    assert "Follow one of" in _refusal(customer, "widget:7")
