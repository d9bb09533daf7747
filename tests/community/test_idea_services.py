from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sayso.community import ideas
from sayso.community.ideas import trending
from sayso.community.models import Idea, IdeaStatus, Vote
from sayso.customers.services import customer_merge, customer_unmerge
from tests import factories


def _idea(org: Any, author: Any, title: str = "Dark mode for the app", **kw: Any) -> Idea:
    idea, created = ideas.idea_post(organization=org, author=author, title=title, **kw)
    assert created
    return idea


@pytest.mark.django_db
def test_posting_an_idea_numbers_it_and_counts_the_authors_vote(org: Any, customer: Any) -> None:
    first = _idea(org, customer)
    second = _idea(org, customer, title="Export bookings to CSV", body="For **accounting**")
    assert (first.number, second.number) == (1, 2)
    assert first.vote_count == 1 and Vote.objects.filter(idea=first, customer=customer).exists()
    again, created = ideas.idea_post(organization=org, author=customer, title=first.title)
    assert (again.pk, created) == (first.pk, False)  # a double submit returns the first idea


@pytest.mark.django_db
def test_bad_ideas_are_refused_with_a_reason(org: Any, customer: Any, other_org: Any) -> None:
    for title in ["", "   ", "abc", "x" * 161]:
        with pytest.raises(ValidationError):
            ideas.idea_post(organization=org, author=customer, title=title)
    with pytest.raises(ValidationError):
        ideas.idea_post(organization=org, author=customer, title="Fine title", body="y" * 20_001)
    foreign = factories.make_customer(other_org, "Eve", "eve@example.com")
    with pytest.raises(ValidationError):
        ideas.idea_post(organization=org, author=foreign, title="Across organizations")
    assert not Idea.objects.exists()


@pytest.mark.django_db
def test_one_vote_per_person_withdrawable(org: Any, customer: Any) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    idea = _idea(org, customer)
    assert ideas.idea_vote(idea=idea, customer=bob) is True
    assert ideas.idea_vote(idea=idea, customer=bob) is False
    idea.refresh_from_db()
    assert idea.vote_count == 2
    assert ideas.idea_unvote(idea=idea, customer=bob) is True
    assert ideas.idea_unvote(idea=idea, customer=bob) is False
    idea.refresh_from_db()
    assert idea.vote_count == 1


@pytest.mark.django_db
def test_trending_favours_recent_votes_and_survives_withdrawals(org: Any, customer: Any) -> None:
    now = timezone.now()
    old = trending.added(trending.exponent(now - timedelta(days=60)), now - timedelta(days=59))
    for _ in range(5):
        old = trending.added(old, now - timedelta(days=50))
    fresh = trending.added(trending.exponent(now), now)
    assert fresh > old  # two votes today outweigh six two months ago
    floor = trending.exponent(now)
    assert trending.removed(trending.added(floor, now), now, floor=floor) == pytest.approx(floor)


@pytest.mark.django_db
def test_status_changes_need_a_public_reason(org: Any, customer: Any, manager: Any) -> None:
    idea = _idea(org, customer)
    with pytest.raises(ValidationError):
        ideas.idea_status_change(idea=idea, status=IdeaStatus.PLANNED, reason=" ", actor=manager)
    with pytest.raises(ValidationError):
        ideas.idea_status_change(idea=idea, status="someday", reason="why", actor=manager)
    ideas.idea_status_change(
        idea=idea, status=IdeaStatus.PLANNED, reason="Scheduled for Q1.", actor=manager
    )
    idea.refresh_from_db()
    assert (idea.status, idea.status_reason) == (IdeaStatus.PLANNED, "Scheduled for Q1.")
    history = list(ideas.idea_status_history(idea=idea))
    assert [(h.from_status, h.to_status) for h in history] == [("open", "planned")]


@pytest.mark.django_db
def test_merging_duplicates_carries_votes_once_per_person(
    org: Any, customer: Any, manager: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    cy = factories.make_customer(org, "Cy", "cy@example.com")
    target = _idea(org, customer, title="Dark mode")
    source = _idea(org, bob, title="Night theme please")
    ideas.idea_vote(idea=target, customer=bob)  # Bob voted on both
    ideas.idea_vote(idea=source, customer=cy)
    comment, _ = ideas.comment_post(idea=source, author=cy, body="Yes, my eyes hurt at night")

    ideas.idea_merge(source=source, target=target, actor=manager)

    target.refresh_from_db()
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert target.vote_count == 3  # Ada, Bob (once), Cy
    assert {v.customer_id for v in target.votes.all()} == {customer.pk, bob.pk, cy.pk}
    comment.refresh_from_db()
    assert comment.idea_id == target.pk and target.comment_count == 1
    assert source not in ideas.public_ideas(organization=org)
    with pytest.raises(ValidationError, match="merged into idea #1"):
        ideas.idea_vote(idea=source, customer=factories.make_customer(org, "Di", "d@e.com"))
    with pytest.raises(ValidationError):
        ideas.idea_merge(source=target, target=source, actor=manager)


@pytest.mark.django_db
def test_customer_merge_counts_a_person_voting_twice_once_and_unmerge_restores(
    org: Any, customer: Any, agent: Any
) -> None:
    twin = factories.make_customer(org, "Ada L.", "ada.work@example.com")
    idea = _idea(org, customer)
    ideas.idea_vote(idea=idea, customer=twin)
    idea.refresh_from_db()
    assert idea.vote_count == 2

    merge = customer_merge(source=twin, target=customer, actor=agent)
    idea.refresh_from_db()
    assert idea.vote_count == 1

    customer_unmerge(merge=merge, actor=agent)
    idea.refresh_from_db()
    assert idea.vote_count == 2
    assert Vote.objects.filter(idea=idea, customer=twin).exists()


@pytest.mark.django_db
def test_only_the_author_edits_or_deletes_and_not_once_others_took_part(
    org: Any, customer: Any, agent: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    idea = _idea(org, customer)
    with pytest.raises(PermissionError):
        ideas.idea_update(idea=idea, title="Hijacked", body="", customer=bob)
    with pytest.raises(PermissionError):
        ideas.idea_delete(idea=idea, customer=bob)
    ideas.idea_update(idea=idea, title="Dark mode everywhere", body="", customer=customer)
    ideas.idea_update(idea=idea, title="Dark mode (web + app)", body="", actor=agent)
    ideas.idea_vote(idea=idea, customer=bob)
    with pytest.raises(ValidationError):
        ideas.idea_delete(idea=idea, customer=customer)
    ideas.idea_unvote(idea=idea, customer=bob)
    ideas.idea_delete(idea=idea, customer=customer)
    assert not Idea.objects.filter(pk=idea.pk).exists()


@pytest.mark.django_db
def test_board_sorts_filters_and_searches(org: Any, customer: Any, manager: Any) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    mobile = ideas.category_create(organization=org, name="Mobile app")
    dark = _idea(org, customer, title="Dark mode", body="Easier on the eyes", category=mobile)
    csv = _idea(org, customer, title="Export bookings to CSV")
    ideas.idea_vote(idea=csv, customer=bob)
    ideas.idea_status_change(idea=dark, status="planned", reason="Next sprint", actor=manager)

    def numbers(**filters: str) -> list[int]:
        board = ideas.idea_board(organization=org, filters=ideas.BoardFilters(**filters))
        return [idea.number for idea in board]

    assert numbers(sort="top") == [csv.number, dark.number]
    assert numbers(sort="new") == [csv.number, dark.number]
    assert numbers(status="planned") == [dark.number]
    assert numbers(category="mobile-app") == [dark.number]
    assert numbers(query="eyes") == [dark.number]
    assert numbers(query="boo") == [csv.number]  # as you type
    assert numbers(query='"unbalanced (') == []  # syntax is plain text, never an error
