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


def exactly_one(*fields: str) -> Q:
    """A check condition: exactly one of ``fields`` is set."""
    condition = Q()
    for field in fields:
        each = Q(**{f"{field}__isnull": False})
        for other in fields:
            if other != field:
                each &= Q(**{f"{other}__isnull": True})
        condition |= each
    return condition


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


# --- community Q&A ---------------------------------------------------------------------------
#
# Questions sit beside ideas rather than in one table with them: the two share what is common
# through the same machinery (Follow subjects, Notice, ModerationEntry, Flag, the spam filter,
# sayso.core.markup, the similar-item index, full-text search), while what differs — an idea's
# status with public reasons, trending score and one-way votes; a question's answers, up/down
# votes, acceptance and "me too" — stays in fields each kind actually has. One table with a
# ``kind`` column would leave half of every row's columns meaningless and every board index
# filtered by kind.


class Tag(TimeStampedModel):
    """A topic questions are tagged with ("sync", "billing")."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40)
    slug = models.SlugField(max_length=40)

    class Meta(TimeStampedModel.Meta):
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="tag_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class QuestionState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"  # no new answers; the thread stays readable


class Question(TimeStampedModel):
    """A customer's (or staff member's) question to the community."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="questions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(blank=True)
    # ``body`` through sayso.core.markup, rendered once when written: pages show it as is.
    body_html = models.TextField(blank=True)
    product = models.ForeignKey(
        "Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    author = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        max_length=20, choices=QuestionState.choices, default=QuestionState.OPEN
    )
    closed_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)  # moderation (spam, abuse)
    deleted_at = models.DateTimeField(null=True, blank=True)  # taken back by its author
    # Kept by the services, so that lists sort and filter through indexes.
    answer_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    me_too_count = models.PositiveIntegerField(default=0)
    solved_at = models.DateTimeField(null=True, blank=True)  # the first accepted answer
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="question_unique_number"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "-created_at", "-id"],
                condition=Q(hidden_at__isnull=True, deleted_at__isnull=True),
                name="question_list_new",
            ),
            models.Index(
                fields=["organization", "-me_too_count", "-id"],
                condition=Q(hidden_at__isnull=True, deleted_at__isnull=True),
                name="question_list_affected",
            ),
            models.Index(
                fields=["organization", "answer_count", "created_at"],
                condition=Q(hidden_at__isnull=True, deleted_at__isnull=True),
                name="question_unanswered",
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.number} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.hidden_at is None and self.deleted_at is None

    @property
    def is_solved(self) -> bool:
        return self.accepted_count > 0

    @property
    def affected_count(self) -> int:
        """How many people have the problem: those who said "me too", and a customer who
        asked."""
        return self.me_too_count + (1 if self.author_id is not None else 0)


class Answer(TimeStampedModel):
    """An answer to a question: public at once unless the spam filter holds it; voted up and
    down; accepted by the asker or staff (several may be)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    # A staff member's answer is the organization's official answer.
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    # ``body`` through sayso.core.markup, rendered once when written (a busy question's page
    # shows fifty answers: rendering them on every view was 40 % of the page's time).
    body_html = models.TextField(blank=True)
    body_digest = models.CharField(max_length=64)
    state = models.CharField(
        max_length=20, choices=CommentState.choices, default=CommentState.VISIBLE
    )
    state_reason = models.TextField(blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    up_votes = models.PositiveIntegerField(default=0)
    down_votes = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)  # up - down
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_by_asker = models.BooleanField(default=False)

    class Meta(TimeStampedModel.Meta):
        indexes = [
            # A question's page: the answers not accepted, best first, read in index order
            # (the accepted ones, few, are read apart and pinned above them).
            models.Index(
                fields=["question", "-score", "created_at", "id"],
                condition=Q(state="visible", deleted_at__isnull=True, accepted_at__isnull=True),
                name="answer_page_order",
            ),
            models.Index(fields=["author", "state"]),
            models.Index(fields=["organization", "body_digest"]),
        ]

    @property
    def is_official(self) -> bool:
        return self.author_user_id is not None

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_public(self) -> bool:
        return self.state == CommentState.VISIBLE and self.deleted_at is None


class AnswerVote(TimeStampedModel):
    """One person's up (+1) or down (-1) vote on one answer."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="votes")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="answer_votes")
    value = models.SmallIntegerField()

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["answer", "customer"], name="answer_vote_once"),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="answer_vote_up_or_down"),
        ]


class MeToo(TimeStampedModel):
    """A person who has the same problem as a question (and so follows it)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="me_toos")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="me_toos")

    class Meta(TimeStampedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["question", "customer"], name="me_too_once")]
        indexes = [
            models.Index(fields=["customer", "question"]),
            # the people with a problem, in the order they said so
            models.Index(fields=["question", "created_at"], name="me_too_question_order"),
        ]


class CommunityProfile(TimeStampedModel):
    """A customer's public side in the community: whether others may see them among the
    people with a problem (off until they opt in), and their reputation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="community_profile"
    )
    visible = models.BooleanField(default=False)
    # 15 per accepted answer, 10 per up vote, -2 per down vote; recomputed from the votes
    # (sayso.community.questions.reputation_recount), never below zero.
    reputation = models.IntegerField(default=0)


class QuestionLink(TimeStampedModel):
    """A question linked by staff to a case, an idea or a status incident (exactly one); shown
    on both sides. A case is private: only staff see that link."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey(
        "conversations.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="question_links",
    )
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="question_links"
    )
    incident = models.ForeignKey(
        "status.Incident",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="question_links",
    )
    # True when the idea was made from the question ("turned into an idea").
    converted = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False, idea__isnull=True, incident__isnull=True)
                | Q(case__isnull=True, idea__isnull=False, incident__isnull=True)
                | Q(case__isnull=True, idea__isnull=True, incident__isnull=False),
                name="question_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["question", "case"],
                condition=Q(case__isnull=False),
                name="question_link_case_once",
            ),
            models.UniqueConstraint(
                fields=["question", "idea"],
                condition=Q(idea__isnull=False),
                name="question_link_idea_once",
            ),
            models.UniqueConstraint(
                fields=["question", "incident"],
                condition=Q(incident__isnull=False),
                name="question_link_incident_once",
            ),
        ]
