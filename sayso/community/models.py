"""The public voice: ideas, votes, comments, and the open moderation log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.models import Customer

TITLE_MAX = 160
BODY_MAX = 20_000
COMMENT_MAX = 10_000
REASON_MAX = 1_000


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
    # (sayso.community.trending).
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


class CommentState(models.TextChoices):
    VISIBLE = "visible", "Visible"
    SPAM = "spam", "Spam"  # held by the spam filter or by staff; never public
    HIDDEN = "hidden", "Hidden"  # hidden by staff for abuse or personal data, logged publicly


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
    """A customer's report that an idea, a comment or a review breaks the rules, with their
    reason (exactly one of the three)."""

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
    reason = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(idea__isnull=False, comment__isnull=True, review__isnull=True)
                | Q(idea__isnull=True, comment__isnull=False, review__isnull=True)
                | Q(idea__isnull=True, comment__isnull=True, review__isnull=False),
                name="flag_one_of_three",
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
        ]


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Each update by email"
    DAILY = "daily", "A daily digest"


class Follow(TimeStampedModel):
    """A customer following something public by email.

    ``subject`` names what is followed: ``idea:<id>``, ``category:<id>``, ``ideas`` (every new
    idea). Feeds need no follow: anyone can subscribe to the Atom feed of the same subject.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follows")
    subject = models.CharField(max_length=64)
    delivery = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta(TimeStampedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["customer", "subject"], name="follow_once")]
        indexes = [models.Index(fields=["organization", "subject"])]


class FollowSettings(TimeStampedModel):
    """A customer's choices for following: whether voting and commenting follow an idea, and
    how updates arrive."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="follow_settings"
    )
    follow_on_participation = models.BooleanField(default=True)
    delivery = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    # "Stop every email" from an unsubscribe link: no update email of any kind from then on,
    # until the customer follows something again.
    emails_stopped_at = models.DateTimeField(null=True, blank=True)


class Notice(TimeStampedModel):
    """One update for one follower, emailed at once or in the next daily digest.

    ``event`` identifies what happened ("status:41", "comment:812"); a follower gets each
    event once, however many of their follows it matches and however often it is announced.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notices")
    follow = models.ForeignKey(
        Follow, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    event = models.CharField(max_length=64)
    delivery = models.CharField(max_length=20, choices=Delivery.choices)
    title = models.CharField(max_length=300)
    text = models.TextField()
    url = models.CharField(max_length=500)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why it was not sent: no email address, unsubscribed before it went out.
    skipped = models.CharField(max_length=100, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["customer", "event"], name="notice_once_per_event")
        ]
        indexes = [models.Index(fields=["delivery", "sent_at", "customer"])]


class Product(TimeStampedModel):
    """Something of the organization's that customers review on its own."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)

    class Meta(TimeStampedModel.Meta):
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="product_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class Review(TimeStampedModel):
    """A customer's rating (1 to 5) and review of the company (no product) or of a product: one
    per customer and subject, which they can change. Never hidden for being negative."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="reviews")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reviews")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)
    reply = models.TextField(blank=True)
    reply_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(product__isnull=True), name="review_company_once"
            ),
            models.UniqueConstraint(
                fields=["customer", "product"],
                condition=Q(product__isnull=False),
                name="review_product_once",
            ),
        ]
        indexes = [models.Index(fields=["organization", "product", "hidden_at", "-created_at"])]
