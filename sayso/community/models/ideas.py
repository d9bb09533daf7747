"""Ideas, their categories, status changes and votes, and comments (on an idea, a roadmap item,
a changelog entry or a review)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.community.models.common import TITLE_MAX, CommentState
from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.models import Customer


class IdeaStatus(models.TextChoices):
    OPEN = "open", "Open"
    UNDER_REVIEW = "under_review", "Under review"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"


class Category(TimeStampedModel):
    """A topic ideas are filed under ("Mobile app", "Billing")."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="idea_categories"
    )
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)

    class Meta(TimeStampedModel.Meta):
        ordering = ["name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="category_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class Idea(TimeStampedModel):
    """A customer's (or staff member's) proposal, voted on and answered in the open."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ideas")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    author = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas_posted",
    )
    status = models.CharField(max_length=20, choices=IdeaStatus.choices, default=IdeaStatus.OPEN)
    # The public reason of the latest status change (every change has one: IdeaStatusChange).
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_ideas"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    # Kept by the services so that the board sorts through an index.
    vote_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    # log(sum of exp(t / tau)) over votes and comments: ordering by it ranks by activity that
    # halves in weight every week, without recomputing anything as time passes
    # (sayso.community.ideas.trending).
    trending = models.FloatField(default=0.0)
    official_response = models.TextField(blank=True)
    official_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="idea_responses",
    )
    official_response_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)  # moderation (spam, abuse)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="idea_unique_number")
        ]
        indexes = [
            # Each board order ends in -id, as the board sorts: the index then gives the rows
            # in order and a page reads only its own rows.
            models.Index(
                fields=["organization", "-trending", "-id"],
                condition=Q(merged_into__isnull=True, hidden_at__isnull=True),
                name="idea_board_trending_id",
            ),
            models.Index(
                fields=["organization", "-vote_count", "-id"],
                condition=Q(merged_into__isnull=True, hidden_at__isnull=True),
                name="idea_board_top",
            ),
            models.Index(
                fields=["organization", "-created_at", "-id"],
                condition=Q(merged_into__isnull=True, hidden_at__isnull=True),
                name="idea_board_new",
            ),
            models.Index(
                fields=["organization", "status", "-trending", "-id"],
                condition=Q(merged_into__isnull=True, hidden_at__isnull=True),
                name="idea_board_status_id",
            ),
            models.Index(
                fields=["organization", "category", "-trending", "-id"],
                condition=Q(merged_into__isnull=True, hidden_at__isnull=True),
                name="idea_board_category_id",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.merged_into_id is None and self.hidden_at is None


class IdeaStatusChange(TimeStampedModel):
    """One status change of an idea, with the public reason staff gave for it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=IdeaStatus.choices)
    to_status = models.CharField(max_length=20, choices=IdeaStatus.choices)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Vote(TimeStampedModel):
    """One person's vote on one idea."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="idea_votes")

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["idea", "customer"], name="vote_once_per_idea")
        ]
        indexes = [models.Index(fields=["customer", "idea"])]


class Comment(TimeStampedModel):
    """A comment on an idea, a roadmap item, a changelog entry or a review (exactly one);
    shown at once unless the spam filter holds it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="comments"
    )
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    roadmap_item = models.ForeignKey(
        "roadmap.RoadmapItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    changelog_entry = models.ForeignKey(
        "roadmap.ChangelogEntry",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    review = models.ForeignKey(
        "Review", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    # ``body`` through sayso.core.markup, rendered once when written: an idea's page shows up
    # to a hundred comments and no longer renders their Markdown on every view.
    body_html = models.TextField(blank=True)
    # sha256 of the normalized body: the same person posting the same text again gets the
    # first comment back instead of a second one.
    body_digest = models.CharField(max_length=64)
    state = models.CharField(
        max_length=20, choices=CommentState.choices, default=CommentState.VISIBLE
    )
    spam_score = models.FloatField(null=True, blank=True)
    # Why it is not visible (the spam filter's reasons, or staff's public reason).
    state_reason = models.TextField(blank=True)

    class Meta(TimeStampedModel.Meta):
        indexes = [
            models.Index(fields=["idea", "state", "created_at"]),
            models.Index(fields=["roadmap_item", "state", "created_at"]),
            models.Index(fields=["changelog_entry", "state", "created_at"]),
            models.Index(fields=["review", "state", "created_at"]),
            models.Index(fields=["organization", "state", "-created_at"]),
            models.Index(fields=["organization", "body_digest"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(idea__isnull=False, roadmap_item__isnull=True)
                    & Q(changelog_entry__isnull=True, review__isnull=True)
                )
                | (
                    Q(idea__isnull=True, roadmap_item__isnull=False)
                    & Q(changelog_entry__isnull=True, review__isnull=True)
                )
                | (
                    Q(idea__isnull=True, roadmap_item__isnull=True)
                    & Q(changelog_entry__isnull=False, review__isnull=True)
                )
                | (
                    Q(idea__isnull=True, roadmap_item__isnull=True)
                    & Q(changelog_entry__isnull=True, review__isnull=False)
                ),
                name="comment_one_target",
            )
        ]
