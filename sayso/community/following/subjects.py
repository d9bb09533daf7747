"""What can be followed: the subjects a follow names (``idea:<id>``, ``ideas``, …)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from sayso.community.models import (
    Category,
    CommunityProfile,
    Idea,
    Question,
    Review,
)
from sayso.core.models import Organization


def idea_subject(idea: Idea | int) -> str:
    return f"idea:{idea if isinstance(idea, int) else idea.pk}"


def category_subject(category_id: int) -> str:
    return f"category:{category_id}"


NEW_IDEAS = "ideas"


# Subjects that are a whole list rather than one thing: new ideas, new questions, the
# changelog, the roadmap, the status page.
WHOLE_SUBJECTS = frozenset({NEW_IDEAS, "questions", "changelog", "roadmap", "status"})


def subject_followable(*, organization_id: int, subject: str) -> bool:
    """Whether ``subject`` names something public of the organization that can be followed."""

    if subject in WHOLE_SUBJECTS:
        return True
    kind, _, raw = (subject or "").partition(":")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return False
    pk = int(raw)
    scope = {"organization_id": organization_id, "pk": pk}
    if kind == "idea":
        return Idea.objects.filter(**scope).exists()
    if kind == "category":
        return Category.objects.filter(**scope).exists()
    if kind == "review":
        return Review.objects.filter(**scope).exists()
    if kind == "question":
        return Question.objects.filter(
            **scope, hidden_at__isnull=True, deleted_at__isnull=True
        ).exists()
    if kind == "person":
        # Only people who chose to be visible can be followed.
        return CommunityProfile.objects.filter(
            organization_id=organization_id, customer_id=pk, visible=True
        ).exists()
    if kind == "incident":
        from sayso.status.models import Incident

        return Incident.objects.filter(**scope).exists()
    if kind in {"roadmap-item", "changelog-entry"}:
        from sayso.roadmap.models import ChangelogEntry, RoadmapItem

        model = RoadmapItem if kind == "roadmap-item" else ChangelogEntry
        return model.objects.filter(**scope).exists()
    return False


def not_followable_error() -> ValidationError:
    return ValidationError(
        {
            "subject": "Follow ideas, questions, changelog, roadmap, status, idea:<id>, "
            "category:<id>, review:<id>, roadmap-item:<id>, changelog-entry:<id>, "
            "question:<id>, incident:<id> or person:<id> (of someone visible) of this "
            "organization."
        }
    )


def subject_check(*, organization: Organization, subject: str) -> str:
    """``subject`` when it names something public of the organization that can be followed,
    else a ValidationError saying what can be."""
    if not subject_followable(organization_id=organization.pk, subject=subject):
        raise not_followable_error()
    return subject
