"""What the similar-item index stores: one embedded vector per (organization, kind, object).

``EmbeddedItem`` is the storage of record. The search structures (an in-memory/on-disk ANN
index per organization and kind, or pgvector's HNSW index on PostgreSQL) are derived from these
rows and can always be rebuilt from them. ``IndexState`` holds a generation counter per
(organization, kind), bumped in the same transaction as every write, so each process can tell
whether its copy of an index is current.
"""

from __future__ import annotations

from django.db import models

from sayso.core.models import Organization, TimeStampedModel


class ItemKind(models.TextChoices):
    """What can be searched for similar items. The index never imports these models."""

    CASE = "case", "Case"
    IDEA = "idea", "Idea"
    QUESTION = "question", "Question"
    MESSAGE = "message", "Message"
    INCIDENT = "incident", "Incident"


class EmbeddedItemQuerySet(models.QuerySet["EmbeddedItem"]):
    def live(self) -> EmbeddedItemQuerySet:
        """Rows that hold a vector. A removed item leaves an empty row (a tombstone, so every
        process sees the removal in the change feed) until the next rebuild purges it."""
        return self.exclude(vector=b"")


class EmbeddedItem(TimeStampedModel):
    """One item's embedding, the hash of the text it came from, and filterable metadata.

    ``vector`` holds float32 little-endian values (384 of them) on every database. On
    PostgreSQL with pgvector the migration also adds an ``embedding vector(384)`` column (not
    part of the Django model state) with HNSW indexes; the services keep it equal to ``vector``.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="embedded_items"
    )
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    object_id = models.BigIntegerField()
    vector = models.BinaryField()
    text_hash = models.CharField(max_length=64, blank=True)
    embedder = models.CharField(max_length=40, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # IndexState.generation of the write that last touched this row.
    generation = models.BigIntegerField(default=0)

    objects = EmbeddedItemQuerySet.as_manager()

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "object_id"], name="embeddeditem_unique_object"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "kind", "generation"], name="embeddeditem_generation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} (org {self.organization_id})"


class IndexState(TimeStampedModel):
    """The write generation of one organization's index of one kind."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="index_states"
    )
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    generation = models.BigIntegerField(default=0)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="indexstate_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} index of org {self.organization_id} at generation {self.generation}"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


INTENT_LABELS = {
    "complaint": "Complaint",
    "praise": "Praise",
    "question": "Question",
    "idea": "Idea",
    "purchase_intent": "Purchase intent",
    "competitor_mention": "Competitor mention",
}


class MessageAnalysis(TimeStampedModel):
    """What the analysis read in one message (see ``intelligence/analysis/``).

    Written by the ``intelligence.analyze_message`` task for every new message, and redone
    when ``model_version`` changes (the heads were retrained). ``duplicate_of`` is an earlier
    message of the same organization: the same customer's text again (exact, near or the same
    meaning within a few days), or a copy of another author's text (then it is spam).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="message_analyses"
    )
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="analysis"
    )
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices)
    sentiment_score = models.FloatField()
    intents = models.JSONField(default=list, blank=True)
    spam = models.FloatField(default=0.0)
    is_spam = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    duplicate_of = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_kind = models.CharField(max_length=10, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    model_version = models.CharField(max_length=40)
    analyzed_at = models.DateTimeField()

    class Meta(TimeStampedModel.Meta):
        verbose_name_plural = "message analyses"
        indexes = [
            models.Index(fields=["organization", "is_spam"], name="messageanalysis_spam"),
        ]

    def __str__(self) -> str:
        return f"analysis of message {self.message_id}"

    @property
    def intent_labels(self) -> list[str]:
        """The intents in words, without "other"."""
        return [INTENT_LABELS.get(i, i) for i in self.intents if i != "other"]


# --- moderators teach the spam filter (spam_feedback.py, spam_filter.py) ----------------------


class SpamLabel(models.TextChoices):
    SPAM = "spam", "Spam"
    HAM = "ham", "Not spam"


class DecidedKind(models.TextChoices):
    """What a moderator decided about."""

    COMMENT = "comment", "Comment"
    IDEA = "idea", "Idea"
    QUESTION = "question", "Question"
    ANSWER = "answer", "Answer"
    REVIEW = "review", "Review"
    MESSAGE = "message", "Message"
    MENTION = "mention", "Mention"


class SpamDecision(TimeStampedModel):
    """A staff member's "spam" or "not spam" about one item: a labelled example of the
    organization's filter. One row per item; the latest decision wins (``decided_at``)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="spam_decisions"
    )
    kind = models.CharField(max_length=10, choices=DecidedKind.choices)
    object_id = models.BigIntegerField()
    label = models.CharField(max_length=4, choices=SpamLabel.choices)
    text = models.TextField()
    author_name = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=1000, blank=True)
    where = models.CharField(max_length=40, blank=True)  # "moderation queue", "inbox", "API", …
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()
    # Akismet feedback: the label last reported to Akismet ("" until reported).
    reported_label = models.CharField(max_length=4, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "object_id"], name="spamdecision_unique_item"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "decided_at"], name="spamdecision_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.label}"


class SpamFilterVersion(TimeStampedModel):
    """One training of an organization's filter: its parameters, what it learnt from, how
    well it did. At most one version of an organization is active; the others are kept for
    rollback."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="spam_filter_versions"
    )
    number = models.PositiveIntegerField()
    is_active = models.BooleanField(default=False)
    model = models.BinaryField()  # numpy .npz: example vectors and labels, classifier weights
    spam_examples = models.PositiveIntegerField(default=0)
    ham_examples = models.PositiveIntegerField(default=0)
    background_examples = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    trigger = models.CharField(max_length=40, blank=True)  # "schedule", "command", "staff", …
    trained_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The newest decision it learnt from (the scheduler retrains only after newer ones).
    decisions_until = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="spamfilterversion_unique_number"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_active=True),
                name="spamfilterversion_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"spam filter v{self.number} of org {self.organization_id}"


class AkismetSetting(TimeStampedModel):
    """An organization's Akismet account: its key (sealed, see ``sayso.core.encryption``)
    and the blog URL Akismet knows it by. Without one, Sayso's own verdict is the only one."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="akismet_setting"
    )
    api_key = models.TextField()  # sealed
    blog_url = models.URLField(max_length=500)
    enabled = models.BooleanField(default=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Akismet of org {self.organization_id}"
