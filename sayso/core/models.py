"""Organizations, staff memberships and roles, API tokens, and the shared model base."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Base for every Sayso model: creation and update times, oldest first."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


RESERVED_SLUGS = frozenset({"admin", "api", "static", "staff", "o", "new", "www", "sayso"})


class Organization(TimeStampedModel):
    """A company using Sayso. Every other row belongs to exactly one organization."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    support_email = models.EmailField(blank=True)
    next_case_number = models.PositiveIntegerField(default=1)

    class Meta(TimeStampedModel.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel):
    """A group of staff a case can be routed to ("Regional office", "Denver depot")."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


ROLE_RANK = {Role.AGENT: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class Membership(TimeStampedModel):
    """A staff user's place in an organization: role, team, and whom they report to."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    reports_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    is_active = models.BooleanField(default=True)

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]


class Scope(models.TextChoices):
    CUSTOMERS_READ = "customers:read", "Read customers and identities"
    CUSTOMERS_WRITE = "customers:write", "Create, change and merge customers"
    CASES_READ = "cases:read", "Read cases and messages"
    CASES_WRITE = "cases:write", "Create and change cases, post messages"
    COMMITMENTS_READ = "commitments:read", "Read commitments"
    COMMITMENTS_WRITE = "commitments:write", "Make, keep and cancel commitments"
    INBOUND_EMAIL = "inbound:email", "Deliver inbound email (mail provider hook)"
    IDEAS_READ = "ideas:read", "Read ideas, votes, comments and the moderation log"
    IDEAS_WRITE = "ideas:write", "Post and change ideas, votes and comments; merge ideas"
    MODERATION = "moderation:write", "Hide and restore ideas and comments"
    QUESTIONS_READ = "questions:read", "Read questions, answers, votes and 'me too'"
    QUESTIONS_WRITE = (
        "questions:write",
        "Ask and answer questions, vote, accept answers, mark 'me too'",
    )
    STATUS_READ = "status:read", "Read the status page: components, incidents, affected cases"
    STATUS_WRITE = (
        "status:write",
        "Open and update incidents, publish post-mortems, change components, link cases",
    )
    LISTENING_READ = "listening:read", "Read listening sources, terms, rules and mentions"
    LISTENING_WRITE = "listening:write", "Change listening sources, terms and routing rules"
    WEBHOOKS_READ = "webhooks:read", "Read webhook endpoints and their delivery log"
    WEBHOOKS_WRITE = (
        "webhooks:write",
        "Add, change and delete webhook endpoints, rotate secrets, send test events and resend",
    )
    DEALS_READ = "deals:read", "Read intents, offers, the selling process and deals"
    DEALS_WRITE = (
        "deals:write",
        "Make offers (through the outreach guard), change the selling process and deals",
    )
    TASKS_READ = "tasks:read", "Read the background tasks that failed (dead letters)"
    TASKS_WRITE = "tasks:write", "Retry failed background tasks"
    CONSENT_READ = "consent:read", "Read consent, its history and receipts, and outreach attempts"
    CONSENT_WRITE = "consent:write", "Record consent decisions, notices and contact preferences"
    OUTREACH_SEND = (
        "outreach:send",
        "Contact customers through the outreach guard, one by one or by campaign",
    )


TOKEN_PREFIX = "sayso_"  # noqa: S105 (a public prefix, not a secret)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(TimeStampedModel):
    """A personal API token of one staff member in one organization, limited to scopes.

    Only a SHA-256 digest of the token is stored; the raw value is shown once at creation.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=120)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    scopes = models.JSONField(default=list)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TimeStampedModel.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_raw() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class AuditEntry(TimeStampedModel):
    """Who did what to which object: every staff write that matters leaves one."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta(TimeStampedModel.Meta):
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class LoginLink(TimeStampedModel):
    """A one-time sign-in link for the customer portal (only its digest is stored)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="login_links"
    )
    email = models.EmailField()
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    next_url = models.CharField(max_length=300, blank=True)

    class Meta(TimeStampedModel.Meta):
        pass

    def __str__(self) -> str:
        return f"login link for {self.email}"


class RateCounter(models.Model):
    """Attempts per client, action and time window, for the rate limits of public writes and
    costly public reads (``sayso/core/ratelimit.py``). Deliberately not an organization's row:
    a counter of one client's requests, kept for a minute or so, like a cache entry."""

    bucket = models.CharField(max_length=250, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.bucket}: {self.count}"


class DeadLetter(TimeStampedModel):
    """A background task that failed on every attempt its policy allows (or whose worker kept
    dying), kept for staff to read and retry (``sayso.core.task_engine``). ``organization`` is
    the organization the task worked for, if any; installation-wide tasks have none."""

    engine = models.CharField(max_length=20)
    job_id = models.CharField(max_length=64)
    task_path = models.CharField(max_length=255)
    queue = models.CharField(max_length=40)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="dead_letters"
    )
    arguments = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(default=timezone.now)
    retried_at = models.DateTimeField(null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta(TimeStampedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["engine", "job_id"], name="dead_letter_unique_job")
        ]
        indexes = [models.Index(fields=["retried_at", "failed_at"], name="dead_letter_open")]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.engine} {self.job_id})"


class PeriodicRun(models.Model):
    """One row per periodic task and period: the embedded scheduler enqueues a periodic task
    only when it inserted the row, so several schedulers enqueue it once per period."""

    task_path = models.CharField(max_length=255)
    period_start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task_path", "period_start"], name="periodic_run_unique_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_path} @ {self.period_start:%Y-%m-%d %H:%M:%S}"
