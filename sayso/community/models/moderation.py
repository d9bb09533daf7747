"""The open moderation log and customers' reports (flags)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.community.models.common import exactly_one
from sayso.community.models.ideas import Comment, Idea
from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.models import Customer


class ModerationAction(models.TextChoices):
    HIDE = "hide", "Hidden"
    RESTORE = "restore", "Restored"
    SPAM = "spam", "Marked as spam"
    NOT_SPAM = "not_spam", "Released from the spam queue"


class ModerationEntry(TimeStampedModel):
    """One entry of the public moderation log: what was hidden or restored, why, by whom."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="moderation_entries"
    )
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation"
    )
    review = models.ForeignKey(
        "Review", null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation"
    )
    question = models.ForeignKey(
        "Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation"
    )
    answer = models.ForeignKey(
        "Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation"
    )
    reason = models.TextField()  # public
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's role when they acted ("agent", "admin"), or "spam filter" — what the public
    # log shows instead of a name.
    actor_role = models.CharField(max_length=40)

    class Meta(TimeStampedModel.Meta):
        indexes = [models.Index(fields=["organization", "-created_at"])]


class Flag(TimeStampedModel):
    """A customer's report that an idea, a comment, a review, a question or an answer breaks
    the rules, with their reason (exactly one of the five)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="flags")
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    review = models.ForeignKey(
        "Review", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    question = models.ForeignKey(
        "Question", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    answer = models.ForeignKey(
        "Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=exactly_one("idea", "comment", "review", "question", "answer"),
                name="flag_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["customer", "idea"],
                condition=Q(idea__isnull=False),
                name="flag_idea_once_each",
            ),
            models.UniqueConstraint(
                fields=["customer", "comment"],
                condition=Q(comment__isnull=False),
                name="flag_comment_once",
            ),
            models.UniqueConstraint(
                fields=["customer", "review"],
                condition=Q(review__isnull=False),
                name="flag_review_once",
            ),
            models.UniqueConstraint(
                fields=["customer", "question"],
                condition=Q(question__isnull=False),
                name="flag_question_once",
            ),
            models.UniqueConstraint(
                fields=["customer", "answer"],
                condition=Q(answer__isnull=False),
                name="flag_answer_once",
            ),
        ]
