"""Reads of consent, preferences, outreach attempts and campaigns, shared by the portal, the
staff pages and the API. Each takes the organization."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from sayso.consent.models import (
    Campaign,
    Choice,
    ConsentChannel,
    ConsentNotice,
    ConsentRecord,
    ContactPreferences,
    Outcome,
    OutreachAttempt,
    Purpose,
)
from sayso.core.models import Organization
from sayso.customers.models import Customer


@dataclass(frozen=True)
class CurrentChoice:
    channel: str
    purpose: str
    choice: str
    record: ConsentRecord | None

    @property
    def channel_label(self) -> str:
        return str(ConsentChannel(self.channel).label)

    @property
    def purpose_label(self) -> str:
        return str(Purpose(self.purpose).label)


def consent_history(*, organization: Organization, customer: Customer) -> QuerySet[ConsentRecord]:
    """Every decision of the customer, newest first."""
    return (
        ConsentRecord.objects.filter(organization=organization, customer=customer)
        .select_related("notice", "by_user", "by_token")
        .order_by("-created_at", "-id")
    )


def consent_current(*, organization: Organization, customer: Customer) -> list[CurrentChoice]:
    """The customer's choice for every channel and purpose (the newest record of each pair;
    "not asked" where there is none), purposes in order, channels in order within each."""
    newest: dict[tuple[str, str], ConsentRecord] = {}
    for record in consent_history(organization=organization, customer=customer):
        newest.setdefault((record.channel, record.purpose), record)
    return [
        CurrentChoice(
            channel,
            purpose,
            newest[(channel, purpose)].choice if (channel, purpose) in newest else Choice.NOT_ASKED,
            newest.get((channel, purpose)),
        )
        for purpose in Purpose.values
        for channel in ConsentChannel.values
    ]


def consent_record_get(
    *, organization: Organization, customer: Customer, receipt_id: Any
) -> ConsentRecord | None:
    """One decision of the customer, by its receipt id."""
    return (
        ConsentRecord.objects.select_related("notice", "customer", "organization")
        .filter(organization=organization, customer=customer, receipt_id=receipt_id)
        .first()
    )


def notices_current(*, organization: Organization) -> dict[str, ConsentNotice | None]:
    """The newest notice of each purpose (None for a purpose with no notice yet)."""
    newest: dict[str, ConsentNotice | None] = dict.fromkeys(Purpose.values)
    for notice in ConsentNotice.objects.filter(organization=organization).order_by(
        "purpose", "-version"
    ):
        if newest[notice.purpose] is None:
            newest[notice.purpose] = notice
    return newest


def notice_list(*, organization: Organization) -> QuerySet[ConsentNotice]:
    return ConsentNotice.objects.filter(organization=organization).order_by("purpose", "-version")


def preferences_of(*, organization: Organization, customer: Customer) -> ContactPreferences | None:
    return ContactPreferences.objects.filter(organization=organization, customer=customer).first()


def attempts_of(
    *, organization: Organization, customer: Customer, outcome: str | None = None
) -> QuerySet[OutreachAttempt]:
    """The organization's attempts to reach the customer, newest first."""
    attempts = OutreachAttempt.objects.filter(organization=organization, customer=customer)
    if outcome:
        attempts = attempts.filter(outcome=outcome)
    return attempts.select_related("organization", "by_user", "case").order_by("-created_at", "-id")


def campaign_list(*, organization: Organization) -> QuerySet[Campaign]:
    return Campaign.objects.filter(organization=organization).order_by("-created_at", "-id")


def campaign_get(*, organization: Organization, pk: Any) -> Campaign | None:
    return Campaign.objects.filter(organization=organization, pk=pk).first()


@dataclass(frozen=True)
class CampaignReport:
    sent: int
    blocked: int
    blocked_by_reason: dict[str, int]
    # Held for the customers' quiet hours: each goes when theirs end, the last at held_until.
    held: int = 0
    held_until: datetime | None = None

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.held


def campaign_report(*, campaign: Campaign) -> CampaignReport:
    """How many of the campaign's messages were sent, how many blocked for each reason, and
    how many are held for quiet hours (deferred, not dropped) and until when."""
    rows = OutreachAttempt.objects.filter(campaign=campaign).values_list(
        "outcome", "reason_code", "next_allowed_at"
    )
    sent = held = 0
    held_until: datetime | None = None
    blocked: Counter[str] = Counter()
    for outcome, reason_code, next_allowed_at in rows:
        if outcome == Outcome.SENT:
            sent += 1
        elif outcome == Outcome.HELD:
            held += 1
            if next_allowed_at is not None and (held_until is None or next_allowed_at > held_until):
                held_until = next_allowed_at
        else:
            blocked[reason_code] += 1
    return CampaignReport(
        sent, sum(blocked.values()), dict(sorted(blocked.items())), held, held_until
    )


def segment_customers(*, campaign: Campaign) -> QuerySet[Customer]:
    """The active customers a campaign is for."""
    from sayso.consent.models import Segment

    customers = Customer.objects.filter(
        organization_id=campaign.organization_id, merged_into__isnull=True
    )
    if campaign.segment == Segment.PROSPECTS:
        customers = customers.filter(is_prospect=True)
    elif campaign.segment == Segment.TEAM:
        customers = customers.filter(cases__team=campaign.team).distinct()
    elif campaign.segment == Segment.LIST:
        customers = customers.filter(pk__in=[int(pk) for pk in campaign.customer_ids])
    return customers.order_by("id")
