"""Community Q&A: tags, questions, answers and their votes, "me too", profiles and staff links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sayso.community.models.common import TITLE_MAX, CommentState
from sayso.community.models.ideas import Idea
from sayso.core.models import Organization, TimeStampedModel
from sayso.customers.models import Customer

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
    # (sayso.community.qa.people.reputation_recount), never below zero.
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
