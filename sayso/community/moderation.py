"""Moderation in the open: why staff may hide something, the public moderation log, customers'
reports (flags), and hiding and restoring an idea or a question. Every part of the community
records its hides and spam holds here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sayso.community.common import same_organization
from sayso.community.models import (
    REASON_MAX,
    Comment,
    Flag,
    Idea,
    ModerationAction,
    ModerationEntry,
)
from sayso.core.models import Membership, Organization
from sayso.core.text_input import clean_text
from sayso.customers.models import Customer


class HideReason:
    """Why staff may hide something: never for being negative."""

    SPAM = "spam"
    ABUSE = "abuse"
    PERSONAL_DATA = "personal_data"
    choices = [
        (SPAM, "Spam or advertising"),
        (ABUSE, "Abuse, threats or harassment"),
        (PERSONAL_DATA, "Personal data that should not be public"),
    ]
    labels = dict(choices)


def staff_role(organization: Organization, user: Any) -> str:
    membership = Membership.objects.filter(
        organization=organization, user=user, is_active=True
    ).first()
    return membership.role if membership is not None else "staff"


def moderation_record(
    *,
    organization: Organization,
    action: str,
    reason: str,
    actor: Any = None,
    actor_role: str,
    idea: Idea | None = None,
    comment: Comment | None = None,
    review: Any = None,
    question: Any = None,
    answer: Any = None,
) -> ModerationEntry:
    entry = ModerationEntry.objects.create(
        organization=organization,
        action=action,
        reason=reason[:REASON_MAX],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=actor_role,
        idea=idea,
        comment=comment,
        review=review,
        question=question,
        answer=answer,
    )
    # A moderator's "spam" / "not spam" is a labelled example of the organization's filter.
    from sayso.community.spam_kinds import decision_from_moderation

    decision_from_moderation(entry=entry)
    return entry


def hide_reason(category: str, explanation: str) -> str:
    if category not in HideReason.labels:
        raise ValidationError(
            {
                "reason": "Choose why: spam, abuse, or personal data. Nothing is hidden for being "
                "critical."
            }
        )
    explanation = (explanation or "").strip()[:REASON_MAX]
    label = HideReason.labels[category]
    return f"{label}: {explanation}" if explanation else label


def hidden_set(item: Any, *, field: str, hidden: bool, reason: str, action: str, actor: Any) -> Any:
    """Hide (or restore) an idea or a question — ``field`` names it on ``ModerationEntry``
    and ``Flag`` and is its kind in the similar-item index — with an entry in the public
    log; hiding resolves its open reports. The caller holds the transaction."""
    from sayso.intelligence import index_item_later

    item = type(item).objects.select_for_update().get(pk=item.pk)
    if hidden and item.hidden_at is not None:
        raise ValidationError(f"This {field} is already hidden.")
    if not hidden and item.hidden_at is None:
        raise ValidationError(f"This {field} is not hidden.")
    now = timezone.now()
    item.hidden_at = now if hidden else None
    item.save(update_fields=["hidden_at", "updated_at"])
    moderation_record(
        organization=item.organization,
        action=action,
        reason=reason,
        actor=actor,
        actor_role=staff_role(item.organization, actor),
        **{field: item},
    )
    if hidden:
        Flag.objects.filter(**{field: item}, resolved_at__isnull=True).update(resolved_at=now)
    index_item_later(organization=item.organization, kind=field, object_id=item.pk)
    return item


def hide_action(category: str) -> str:
    return ModerationAction.SPAM if category == HideReason.SPAM else ModerationAction.HIDE


def restore_reason(reason: str) -> str:
    return (reason or "").strip()[:REASON_MAX] or "Restored"


@transaction.atomic
def flag_create(
    *,
    customer: Customer,
    reason: str,
    idea: Idea | None = None,
    comment: Comment | None = None,
    review: Any = None,
    question: Any = None,
    answer: Any = None,
) -> tuple[Flag, bool]:
    """A customer reports an idea, a comment, a review, a question or an answer to the
    moderators, once per item."""
    given = {"idea": idea, "comment": comment, "review": review, "question": question}
    given["answer"] = answer
    targets = {field: obj for field, obj in given.items() if obj is not None}
    if len(targets) != 1:
        raise ValueError("Flag one idea, comment, review, question or answer.")
    ((field, target),) = targets.items()
    same_organization(customer.organization_id, target)
    reason = clean_text(reason, field="reason", maximum=REASON_MAX)
    existing = Flag.objects.filter(customer=customer, **{field: target}).first()
    if existing is not None:
        return existing, False
    flag = Flag.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        reason=reason,
        **{field: target},
    )
    return flag, True


def moderation_log(*, organization: Organization) -> QuerySet[ModerationEntry]:
    return (
        ModerationEntry.objects.filter(organization=organization)
        .select_related("idea", "comment", "review", "question", "answer")
        .order_by("-created_at", "-id")
    )


def open_flags(*, organization: Organization) -> QuerySet[Flag]:
    return (
        Flag.objects.filter(organization=organization, resolved_at__isnull=True)
        .select_related(
            "customer",
            "idea",
            "comment",
            "comment__idea",
            "review__customer",
            "question",
            "answer__question",
        )
        .order_by("-created_at", "-id")
    )
