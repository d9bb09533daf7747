""" "Me too", a person's community profile (visibility) and reputation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from sayso.community import following
from sayso.community.common import (
    customer_active_check,
    same_organization,
)
from sayso.community.models import (
    Answer,
    CommentState,
    CommunityProfile,
    Follow,
    MeToo,
    Question,
)
from sayso.community.qa.common import (
    person_subject,
    question_locked,
    question_public_check,
    question_recount,
    question_subject,
)
from sayso.customers.models import Customer

POINTS_ACCEPTED = 15


POINTS_UP = 10


POINTS_DOWN = -2


# --- "me too", visibility and reputation ---------------------------------------------------


@transaction.atomic
def me_too(*, question: Question, customer: Customer, has_problem: bool = True) -> bool:
    """Mark (or unmark) that ``customer`` has the same problem; marking follows the question.
    Returns whether anything changed."""
    same_organization(question.organization_id, customer)
    customer_active_check(customer)
    question = question_locked(question)
    question_public_check(question, "add yourself to it")
    if question.author_id == customer.pk:
        raise ValidationError("You asked this question: you are already counted and follow it.")
    if has_problem:
        try:
            with transaction.atomic():
                MeToo.objects.create(
                    organization_id=question.organization_id, question=question, customer=customer
                )
        except IntegrityError:
            return False
        following.follow_add(customer=customer, subject=question_subject(question))
    else:
        deleted, _ = MeToo.objects.filter(question=question, customer=customer).delete()
        if not deleted:
            return False
    question_recount(question)
    return True


def me_too_recount(source: Customer, target: Customer) -> None:
    """After a customer merge or unmerge: recount the questions either one marked."""
    ids = MeToo.objects.filter(customer__in=[source, target]).values_list("question_id", flat=True)
    for question in Question.objects.select_for_update().filter(pk__in=sorted(set(ids))):
        question_recount(question)


def reputations_recount(source: Customer, target: Customer) -> None:
    """After a customer merge or unmerge: both records' reputation from their answers."""
    reputation_recount(source)
    reputation_recount(target)


def profile_for(customer: Customer) -> CommunityProfile:
    found = CommunityProfile.objects.filter(customer=customer).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CommunityProfile.objects.create(
                organization_id=customer.organization_id, customer=customer
            )
    except IntegrityError:
        return CommunityProfile.objects.get(customer=customer)


@transaction.atomic
def profile_update(*, customer: Customer, visible: bool) -> CommunityProfile:
    """Whether others see this customer among the people with a problem (and may follow
    them). Off by default; turning it off stops new follows and hides them at once."""
    customer_active_check(customer)
    profile = profile_for(customer)
    profile.visible = bool(visible)
    profile.save(update_fields=["visible", "updated_at"])
    if not visible:
        # Nobody keeps following someone who no longer wants to be seen.
        for follow in Follow.objects.filter(
            organization_id=customer.organization_id, subject=person_subject(customer)
        ).select_related("customer"):
            following.follow_remove(customer=follow.customer, subject=follow.subject)
    return profile


def reputation_points(customer: Customer) -> int:
    """15 per accepted answer, 10 per up vote and -2 per down vote on the customer's public
    answers to public questions; never below zero."""
    answers = Answer.objects.filter(
        author=customer,
        state=CommentState.VISIBLE,
        deleted_at__isnull=True,
        question__hidden_at__isnull=True,
        question__deleted_at__isnull=True,
    )
    totals = answers.aggregate(
        accepted=Count("id", filter=Q(accepted_at__isnull=False)),
        up=Sum("up_votes"),
        down=Sum("down_votes"),
    )
    points = (
        POINTS_ACCEPTED * totals["accepted"]
        + POINTS_UP * (totals["up"] or 0)
        + POINTS_DOWN * (totals["down"] or 0)
    )
    return max(0, points)


def reputation_recount(customer: Customer | None) -> int:
    if customer is None:
        return 0
    points = reputation_points(customer)
    profile = profile_for(customer)
    if profile.reputation != points:
        profile.reputation = points
        profile.save(update_fields=["reputation", "updated_at"])
    return points
