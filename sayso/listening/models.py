"""What Sayso listens to (sources, terms), what it heard (mentions) and where it goes (rules).

A ``Source`` is one feed, one Mastodon or Bluesky search, or one embedded widget of an
organization. Every item a source delivers is kept at most once, as a ``Mention`` unique on
``(source, external_id)``; a mention that calls for an answer (or joins a customer's open case)
also becomes exactly one ``conversations.Message`` on a case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from sayso.core.models import Organization, Team, TimeStampedModel


class SourceKind(models.TextChoices):
    RSS = "rss", "RSS / Atom feed"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    WIDGET = "widget", "Feedback widget"


# Consecutive failed polls after which a source is shown as unhealthy.
UNHEALTHY_AFTER_FAILURES = 3


class Source(TimeStampedModel):
    """One place the organization listens to, its schedule, its cursor and its health."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="listening_sources"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    # The feed's URL, the Mastodon instance's base URL, or the Bluesky service URL.
    url = models.URLField(max_length=500, blank=True)
    # Mastodon hashtags / Bluesky search terms, one per line ("#truckfail", "haulright").
    queries = models.TextField(blank=True)
    # The organization's own account there, for mentions ("@haulright@mastodon.social").
    account = models.CharField(max_length=200, blank=True)
    # The access token (Mastodon) or app password (Bluesky), sealed with SAYSO_ENCRYPTION_KEY
    # (``sayso.core.encryption``): written through the services, never shown again.
    credential = models.TextField(blank=True)
    # Widget: the sites allowed to post (https://www.example.com), one per line.
    allowed_origins = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    poll_interval_seconds = models.PositiveIntegerField(default=300)
    # What the connector needs to fetch only new items (ETag, since-ids, cursors).
    cursor = models.JSONField(default=dict, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failure_count = models.PositiveIntegerField(default=0)
    items_total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="listening_source_unique_name"
            )
        ]
        indexes = [models.Index(fields=["enabled", "next_poll_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def has_credential(self) -> bool:
        return bool(self.credential)

    def credential_value(self) -> str:
        """The credential in clear, for the connector that sends it (raises
        ``SecretUnreadable`` when the key that sealed it is gone)."""
        from sayso.core.encryption import unseal

        return unseal(self.credential)

    @property
    def credential_masked(self) -> str:
        """The credential as shown to admins: "••••abcd", or "" when none is set."""
        from sayso.core.encryption import MASK, SecretUnreadable, masked

        if not self.credential:
            return ""
        try:
            return masked(self.credential_value())
        except SecretUnreadable:
            return f"{MASK} (unreadable: enter it again)"

    @property
    def healthy(self) -> bool:
        return self.failure_count < UNHEALTHY_AFTER_FAILURES

    @property
    def polled(self) -> bool:
        return self.kind != SourceKind.WIDGET

    def query_list(self) -> list[str]:
        return [line.strip() for line in self.queries.splitlines() if line.strip()]

    def origin_list(self) -> list[str]:
        return [
            line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()
        ]


class TermKind(models.TextChoices):
    BRAND = "brand", "Brand"
    PRODUCT = "product", "Product"
    COMPETITOR = "competitor", "Competitor"
    HANDLE = "handle", "Handle"


class ListenTerm(TimeStampedModel):
    """A name the organization listens for; items that mention none are not kept."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="listen_terms"
    )
    kind = models.CharField(max_length=20, choices=TermKind.choices)
    term = models.CharField(max_length=120)

    class Meta(TimeStampedModel.Meta):
        ordering = ["kind", "term"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("term"), name="listening_term_unique_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.term}"


class Outcome(models.TextChoices):
    """What the pipeline did with a kept item."""

    JOINED = "joined", "Joined an open case"
    OPENED = "opened", "Opened a case"
    KEPT = "kept", "Kept as a mention"
    SPAM = "spam", "Held as spam"


class Mention(TimeStampedModel):
    """One item heard from a source, stored once per source's own id, with what was read in it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="mentions"
    )
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="mentions")
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    author_name = models.CharField(max_length=200, blank=True)
    author_handle = models.CharField(max_length=320, blank=True)
    published_at = models.DateTimeField()
    matched_terms = models.JSONField(default=list, blank=True)
    competitors = models.JSONField(default=list, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    sentiment_score = models.FloatField(default=0.0)
    intents = models.JSONField(default=list, blank=True)
    spam = models.FloatField(default=0.0)
    is_spam = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "conversations.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentions",
    )
    message = models.OneToOneField(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mention",
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rule = models.ForeignKey(
        "RoutingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TimeStampedModel.Meta):
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="listening_mention_unique_item"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "published_at"]),
            models.Index(fields=["organization", "source", "published_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id}"

    @property
    def intent_labels(self) -> list[str]:
        """The intents in words, without "other"."""
        from sayso.intelligence.models import INTENT_LABELS

        return [INTENT_LABELS.get(i, i) for i in self.intents if i != "other"]


class RoutingRule(TimeStampedModel):
    """When a new case matches (intent, sentiment, keyword, source), give it a team and a
    priority. Rules are tried in ``position`` order; the first that matches wins."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="routing_rules"
    )
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    intent = models.CharField(max_length=30, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    keyword = models.CharField(max_length=120, blank=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="rules"
    )
    # A rule for a channel without a source (email) names the channel instead.
    channel = models.CharField(max_length=20, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.CharField(max_length=20, blank=True)

    class Meta(TimeStampedModel.Meta):
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(team__isnull=True, priority=""), name="listening_rule_has_action"
            )
        ]

    def __str__(self) -> str:
        return self.name
