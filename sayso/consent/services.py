"""Writes for consent, notices, contact preferences and campaigns. One transaction each.

A consent decision is only ever added (``consent_record``); the current choice is the newest
record of its channel and purpose, so no choice changes without a history row.
"""

from __future__ import annotations

import logging
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sayso.consent.guard import latest_choice, outreach_attempt
from sayso.consent.models import (
    Campaign,
    CampaignStatus,
    Choice,
    ConsentChannel,
    ConsentNotice,
    ConsentRecord,
    ContactPreferences,
    Method,
    Purpose,
    Segment,
)
from sayso.consent.selectors import campaign_report, segment_customers
from sayso.core.errors import errors_text
from sayso.core.models import ApiToken, Organization, Team
from sayso.core.services import audit_record
from sayso.core.task_engine import task_by_path
from sayso.customers.models import Customer, TimelineKind
from sayso.customers.services import timeline_record

logger = logging.getLogger("sayso.consent")

DEFAULT_NOTICES = {
    Purpose.SERVICE: "We write to you about the cases you open with us: answers, questions about "
    "your request, and the promises we made you.",
    Purpose.PRODUCT_NEWS: "News about our products and services: what is new, what changed.",
    Purpose.SALES: "Offers from our sales team. We never call or write about sales unless you "
    "say yes here, or you published an intent asking for offers.",
    Purpose.RESEARCH: "Surveys and research interviews that help us improve.",
    Purpose.PARTNERS: "Offers from partners we work with, sent by us: we never give them your "
    "address.",
}


def _check(channel: str, purpose: str) -> None:
    if channel not in ConsentChannel.values:
        raise ValidationError(f"Unknown channel “{channel}”.")
    if purpose not in Purpose.values:
        raise ValidationError(f"Unknown purpose “{purpose}”.")


@transaction.atomic
def notice_publish(
    *, organization: Organization, purpose: str, text: str, actor: Any = None
) -> ConsentNotice:
    """A new version of the notice shown for ``purpose`` (editing never changes an old one:
    the decisions made under it keep it)."""
    if purpose not in Purpose.values:
        raise ValidationError(f"Unknown purpose “{purpose}”.")
    text = (text or "").strip()
    if not text:
        raise ValidationError("A notice needs its text.")
    if len(text) > 5000:
        raise ValidationError("A notice is 5,000 characters at most.")
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    newest = (
        ConsentNotice.objects.filter(organization=organization, purpose=purpose)
        .order_by("-version")
        .first()
    )
    if newest is not None and newest.text == text:
        return newest  # the same text again: no new version
    notice = ConsentNotice.objects.create(
        organization=organization,
        purpose=purpose,
        version=(newest.version + 1) if newest else 1,
        text=text,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if getattr(actor, "is_authenticated", False):
        audit_record(organization=organization, actor=actor, action="consent.notice", obj=notice)
    return notice


def notice_for(*, organization: Organization, purpose: str) -> ConsentNotice:
    """The notice shown now for ``purpose``: the newest version, or a first one with the
    default text when the organization has written none."""
    newest = (
        ConsentNotice.objects.filter(organization=organization, purpose=purpose)
        .order_by("-version")
        .first()
    )
    if newest is not None:
        return newest
    return notice_publish(
        organization=organization, purpose=purpose, text=DEFAULT_NOTICES[Purpose(purpose)]
    )


def _who(actor: Any) -> tuple[Any, ApiToken | None]:
    if isinstance(actor, ApiToken):
        return actor.membership.user, actor
    return (actor if getattr(actor, "is_authenticated", False) else None), None


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    choice: str,
    method: str,
    location: str,
    actor: Any = None,
    note: str = "",
    notice: ConsentNotice | None = None,
) -> ConsentRecord:
    """Add one decision to the customer's history. ``method`` says how it was made: by the
    customer (portal, widget: ``actor`` None), by staff on the customer's word (``actor`` the
    staff user; a ``note`` is required), imported, or through the API (``actor`` the token).
    The same choice as the current one records nothing and returns the current record (a
    retried request changes nothing)."""
    _check(channel, purpose)
    if choice not in Choice.values:
        raise ValidationError(f"Unknown choice “{choice}”.")
    if method not in Method.values:
        raise ValidationError(f"Unknown method “{method}”.")
    note = (note or "").strip()
    if method == Method.STAFF and not note:
        raise ValidationError(
            "Say how the customer told you (a call on 3 Dec, a letter, …): a choice recorded "
            "on the customer's word needs a note."
        )
    if len(note) > 2000:
        raise ValidationError("The note is 2,000 characters at most.")
    by_user, by_token = _who(actor)
    if method in {Method.STAFF, Method.API} and by_user is None:
        raise ValidationError("A choice recorded by staff or the API needs who recorded it.")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.merged_into_id is not None:
        raise ValidationError("This customer was merged into another; record consent there.")
    current = latest_choice(customer=customer, channel=channel, purpose=purpose)
    if current is not None and current.choice == choice:
        return current
    if current is None and choice == Choice.NOT_ASKED:
        raise ValidationError("Nothing to record: the customer was never asked.")
    organization = customer.organization
    record = ConsentRecord.objects.create(
        organization=organization,
        customer=customer,
        channel=channel,
        purpose=purpose,
        choice=choice,
        notice=notice or notice_for(organization=organization, purpose=purpose),
        method=method,
        location=(location or method)[:300],
        note=note,
        by_customer=method in {Method.PORTAL, Method.WIDGET},
        by_user=by_user,
        by_token=by_token,
    )
    said = {Choice.GRANTED: "yes", Choice.REFUSED: "no", Choice.NOT_ASKED: "not asked"}
    summary = (
        f"{ConsentChannel(channel).label} · {Purpose(purpose).label}: "
        f"{said[Choice(choice)]} ({Method(method).label.lower()})"
    )
    timeline_record(
        customer=customer,
        kind=TimelineKind.CONSENT_CHANGED,
        summary=summary,
        occurred_at=record.created_at,
        customer_visible=True,
        actor=by_user,
        channel=channel,
        data={"consent_record": record.pk, "purpose": purpose, "choice": choice},
    )
    _emit(record)
    if by_user is not None:
        audit_record(organization=organization, actor=by_user, action="consent.record", obj=record)
    return record


def _emit(record: ConsentRecord) -> None:
    """Tell webhook subscribers (``consent.changed``), where the webhooks app is installed."""
    try:
        from sayso.webhooks.events import emit, event_type_known
    except ImportError:  # pragma: no cover (an installation without webhooks)
        return
    if not event_type_known("consent.changed"):
        return
    emit(
        organization=record.organization_id,
        event_type="consent.changed",
        data={
            "customer_id": record.customer_id,
            "channel": record.channel,
            "purpose": record.purpose,
            "choice": record.choice,
            "how": record.method,
            "consent_record_id": record.pk,
            "receipt_id": str(record.receipt_id),
        },
        occurred_at=record.created_at,
    )


@transaction.atomic
def consent_record_many(
    *,
    customer: Customer,
    choices: dict[tuple[str, str], str],
    method: str,
    location: str,
    actor: Any = None,
    note: str = "",
) -> list[ConsentRecord]:
    """Several decisions at once (the portal's one form): only the changed ones are recorded.
    Returns the records added."""
    added = []
    for (channel, purpose), choice in sorted(choices.items()):
        _check(channel, purpose)
        current = latest_choice(customer=customer, channel=channel, purpose=purpose)
        unchanged = current.choice if current is not None else Choice.NOT_ASKED
        if choice == unchanged:
            continue
        added.append(
            consent_record(
                customer=customer,
                channel=channel,
                purpose=purpose,
                choice=choice,
                method=method,
                location=location,
                actor=actor,
                note=note,
            )
        )
    return added


def time_zone_check(name: str) -> str:
    name = (name or "").strip()
    if name not in available_timezones():
        raise ValidationError(f"Unknown time zone “{name}” (use an IANA name: Europe/Paris).")
    ZoneInfo(name)
    return name


@transaction.atomic
def preferences_set(
    *,
    customer: Customer,
    time_zone: str,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    not_before: date | None = None,
    max_per_week: int | None = None,
    actor: Any = None,
) -> ContactPreferences:
    """Set when and how often the customer may be contacted (all fields at once)."""
    zone = time_zone_check(time_zone)
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError("Quiet hours need both a start and an end.")
    if max_per_week is not None and not 0 <= max_per_week <= 100:
        raise ValidationError("The weekly limit is between 0 and 100 messages.")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.merged_into_id is not None:
        raise ValidationError("This customer was merged into another; set preferences there.")
    preferences, _ = ContactPreferences.objects.get_or_create(
        customer=customer, defaults={"organization_id": customer.organization_id}
    )
    before = (
        preferences.time_zone,
        preferences.quiet_start,
        preferences.quiet_end,
        preferences.not_before,
        preferences.max_per_week,
    )
    preferences.time_zone = zone
    preferences.quiet_start = quiet_start
    preferences.quiet_end = quiet_end
    preferences.not_before = not_before
    preferences.max_per_week = max_per_week
    after = (zone, quiet_start, quiet_end, not_before, max_per_week)
    if before != after:
        preferences.save()
        by_user, _ = _who(actor)
        timeline_record(
            customer=customer,
            kind=TimelineKind.CONSENT_CHANGED,
            summary="Contact preferences: " + preferences_in_words(preferences),
            customer_visible=True,
            actor=by_user,
            data={"preferences": True},
        )
    return preferences


def preferences_in_words(preferences: ContactPreferences) -> str:
    parts = [f"time zone {preferences.time_zone}"]
    if preferences.quiet_start is not None and preferences.quiet_end is not None:
        parts.append(
            f"quiet hours {preferences.quiet_start:%H:%M} to {preferences.quiet_end:%H:%M}"
        )
    if preferences.not_before is not None:
        parts.append(f"no offers before {preferences.not_before:%d %b %Y}")
    if preferences.max_per_week is not None:
        parts.append(f"at most {preferences.max_per_week} a week")
    return ", ".join(parts)


@transaction.atomic
def campaign_create(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    channel: str,
    purpose: str,
    subject: str,
    body: str,
    segment: str,
    team: Team | None = None,
    customer_ids: list[int] | None = None,
) -> Campaign:
    """A message to a segment, sent to each customer through the guard in the background
    (``consent.campaign_send``)."""
    from sayso.conversations.services import staff_member

    user, _ = _who(actor)
    staff_member(organization, user)
    _check(channel, purpose)
    if segment not in Segment.values:
        raise ValidationError(f"Unknown segment “{segment}”.")
    name = " ".join((name or "").split())[:200]
    subject = " ".join((subject or "").split())[:300]
    body = (body or "").strip()
    if not name or not subject or not body:
        raise ValidationError("A campaign needs a name, a subject and a message.")
    if segment == Segment.TEAM and (team is None or team.organization_id != organization.pk):
        raise ValidationError("Choose a team of this organization.")
    ids = sorted({int(pk) for pk in customer_ids or []})
    if segment == Segment.LIST:
        if not ids:
            raise ValidationError("List the customers to send to.")
        found = Customer.objects.filter(organization=organization, pk__in=ids).count()
        if found != len(ids):
            raise ValidationError("Some of those customers are not this organization's.")
    campaign = Campaign.objects.create(
        organization=organization,
        name=name,
        channel=channel,
        purpose=purpose,
        subject=subject,
        body=body,
        segment=segment,
        team=team if segment == Segment.TEAM else None,
        customer_ids=ids if segment == Segment.LIST else [],
        created_by=user,
    )
    audit_record(organization=organization, actor=user, action="campaign.create", obj=campaign)
    # Services enqueue their app's tasks by name and never import them (the tasks import the
    # services they run): docs/architecture.md, "The rules".
    campaign_send_task = task_by_path("sayso.consent.tasks.campaign_send_task")
    campaign_id = campaign.pk
    transaction.on_commit(lambda: campaign_send_task.enqueue(campaign_id))
    return campaign


def campaign_send(*, campaign_id: int) -> Campaign | None:
    """Send a campaign to each customer of its segment through the guard. Safe to run twice:
    each customer's attempt has the key ``campaign:<id>:<customer>``, so a second run sends
    nothing already decided."""
    with transaction.atomic():
        campaign = (
            # Lock the campaign only: PostgreSQL refuses FOR UPDATE across the outer join to
            # the (nullable) sender.
            Campaign.objects.select_for_update(of=("self",))
            .select_related("organization", "created_by")
            .filter(pk=campaign_id)
            .first()
        )
        if campaign is None or campaign.status == CampaignStatus.DONE:
            return campaign
        campaign.status = CampaignStatus.SENDING
        campaign.save(update_fields=["status", "updated_at"])
    for customer in segment_customers(campaign=campaign).iterator():
        try:
            outreach_attempt(
                organization=campaign.organization,
                customer=customer,
                channel=campaign.channel,
                purpose=campaign.purpose,
                subject=campaign.subject,
                body=campaign.body,
                actor=campaign.created_by,
                bulk=campaign,
                idempotency_key=f"campaign:{campaign.pk}:{customer.pk}",
                hold=True,  # deferred to the end of the customer's quiet hours, not dropped
            )
        except ValidationError as exc:  # the sender left the organization, …
            logger.warning("campaign %s stopped: %s", campaign.pk, errors_text(exc))
            break
    campaign.status = CampaignStatus.DONE
    campaign.finished_at = timezone.now()
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    report = campaign_report(campaign=campaign)
    logger.info(
        "campaign %s: %s sent, %s blocked, %s held for quiet hours",
        campaign.pk,
        report.sent,
        report.blocked,
        report.held,
    )
    return campaign
