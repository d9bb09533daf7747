"""Announcing events to followers and emailing them: at once, or as a daily digest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sayso.community.following.follows import settings_for
from sayso.community.following.unsubscribe import unsubscribe_token, unsubscribe_url
from sayso.community.models import (
    Delivery,
    Follow,
    FollowSettings,
    Notice,
)
from sayso.core.models import Organization
from sayso.core.task_engine import sayso_task
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.notifications.models import MailKind
from sayso.notifications.outbox import mail_queue

DIGEST_EVERY = timedelta(hours=23)  # a little under a day, so a daily tick never skips a day


# --- announcing events -----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    key: str  # unique per event: "status:41"
    title: str
    text: str
    url: str  # a path on the site


def announce(
    *,
    organization: Organization,
    subjects: Iterable[str],
    event: Event,
    exclude: Iterable[int] = (),
    also: Iterable[int] = (),
) -> None:
    """Leave a notice of ``event`` for every follower of any of ``subjects``, and for the
    customers ``also`` names whether they follow or not (the voters of a shipped idea), each
    once; never the customers in ``exclude`` (the one who acted) nor those who stopped every
    email. Emails go after commit."""
    skip = set(exclude) | set(
        FollowSettings.objects.filter(
            organization=organization, emails_stopped_at__isnull=False
        ).values_list("customer_id", flat=True)
    )
    follows = (
        Follow.objects.filter(organization=organization, subject__in=list(subjects))
        .filter(customer__merged_into__isnull=True)
        .order_by("id")
    )
    seen: set[int] = set()
    notices = []
    for follow in follows:
        if follow.customer_id in skip or follow.customer_id in seen:
            continue
        seen.add(follow.customer_id)
        notices.append(
            Notice(
                organization=organization,
                customer_id=follow.customer_id,
                follow=follow,
                event=event.key[:64],
                delivery=follow.delivery,
                title=event.title[:300],
                text=event.text,
                url=event.url[:500],
            )
        )
    extra = [pk for pk in dict.fromkeys(also) if pk not in skip and pk not in seen]
    delivery_of = dict(
        FollowSettings.objects.filter(customer_id__in=extra).values_list("customer_id", "delivery")
    )
    active = set(
        Customer.objects.filter(pk__in=extra, merged_into__isnull=True).values_list("pk", flat=True)
    )
    notices += [
        Notice(
            organization=organization,
            customer_id=pk,
            follow=None,
            event=event.key[:64],
            delivery=delivery_of.get(pk, Delivery.IMMEDIATE),
            title=event.title[:300],
            text=event.text,
            url=event.url[:500],
        )
        for pk in extra
        if pk in active
    ]
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    key = event.key[:64]
    organization_id = organization.pk

    def deliver() -> None:
        deliver_notices.enqueue(organization_id, key)

    transaction.on_commit(deliver)


# --- delivery --------------------------------------------------------------------------------


def email_of(customer: Customer) -> str | None:
    """Where a customer's updates go: a verified email identity first, else any."""
    identity = (
        Identity.objects.filter(customer=customer, kind=IdentityKind.EMAIL)
        .order_by("verified_at", "id")
        .first()
    )
    verified = (
        Identity.objects.filter(
            customer=customer, kind=IdentityKind.EMAIL, verified_at__isnull=False
        )
        .order_by("id")
        .first()
    )
    chosen = verified or identity
    return chosen.value if chosen is not None else None


# The status page's events (sayso/status): their mail is the status page's, not a follower's.
STATUS_EVENTS = ("incident-", "maintenance-")


def _email(
    organization: Organization,
    address: str,
    subject: str,
    body: str,
    token: str,
    *,
    kind: str,
    key: str,
) -> None:
    """Queue one follower email in the caller's transaction; the outbox sends it after
    commit (and again until the mail server takes it). ``key`` makes queuing it twice one."""
    link = unsubscribe_url(organization, token)
    mail_queue(
        kind=kind,
        key=key,
        organization=organization,
        to=address,
        subject=f"[{organization.name}] {subject}",
        body=f"{body}\n\n--\nStop these emails: {link}\n",
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def notices_deliver(*, organization_id: int, event: str) -> int:
    """Email the immediate notices of one event that have not gone out; safe to run twice."""
    sent = 0
    ids = list(
        Notice.objects.filter(
            organization_id=organization_id,
            event=event,
            delivery=Delivery.IMMEDIATE,
            sent_at__isnull=True,
            skipped="",
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            notice = (
                Notice.objects.select_for_update()
                .select_related("customer", "organization")
                .filter(pk=pk, sent_at__isnull=True, skipped="")
                .first()
            )
            if notice is None:
                continue
            address = email_of(notice.customer)
            stopped = FollowSettings.objects.filter(
                customer_id=notice.customer_id, emails_stopped_at__isnull=False
            ).exists()
            if address is None or stopped:
                notice.skipped = "no email address" if address is None else "unsubscribed"
                notice.save(update_fields=["skipped", "updated_at"])
                continue
            # A notice without a follow (a voter told that their idea shipped) carries the
            # link that stops every email.
            token = unsubscribe_token(customer_id=notice.customer_id, follow_id=notice.follow_id)
            body = f"{notice.text}\n\n{settings.SAYSO_BASE_URL}{notice.url}"
            kind = MailKind.STATUS if notice.event.startswith(STATUS_EVENTS) else MailKind.FOLLOW
            _email(
                notice.organization,
                address,
                notice.title,
                body,
                token,
                kind=kind,
                key=f"notice:{notice.pk}",
            )
            notice.sent_at = timezone.now()
            notice.save(update_fields=["sent_at", "updated_at"])
            sent += 1
    return sent


def digests_send(*, now: Any = None) -> int:
    """One email per customer with their waiting daily notices, at most once a day."""
    now = now or timezone.now()
    waiting = (
        Notice.objects.filter(delivery=Delivery.DAILY, sent_at__isnull=True, skipped="")
        .values_list("customer_id", flat=True)
        .distinct()
    )
    sent = 0
    for customer_id in list(waiting):
        with transaction.atomic():
            customer = Customer.objects.select_related("organization").get(pk=customer_id)
            found = FollowSettings.objects.select_for_update().filter(customer=customer).first()
            if found is None:
                found = settings_for(customer)
            if found.last_digest_at is not None and now - found.last_digest_at < DIGEST_EVERY:
                continue
            notices = list(
                Notice.objects.select_for_update()
                .filter(
                    customer=customer, delivery=Delivery.DAILY, sent_at__isnull=True, skipped=""
                )
                .order_by("created_at", "id")
            )
            if not notices:
                continue
            address = email_of(customer)
            if address is None:
                Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
                    skipped="no email address"
                )
                continue
            lines = [
                f"* {n.title}\n  {n.text}\n  {settings.SAYSO_BASE_URL}{n.url}" for n in notices
            ]
            token = unsubscribe_token(customer_id=customer.pk, follow_id=None)
            _email(
                customer.organization,
                address,
                f"{len(notices)} update{'s' if len(notices) != 1 else ''} on ideas you follow",
                "\n\n".join(lines),
                token,
                kind=MailKind.DIGEST,
                key=f"digest:{customer.pk}:{notices[0].pk}",
            )
            Notice.objects.filter(pk__in=[n.pk for n in notices]).update(sent_at=now)
            found.last_digest_at = now
            found.save(update_fields=["last_digest_at", "updated_at"])
            sent += 1
    return sent


# The task lives with the service that enqueues it (``announce``), so that this module never
# imports ``sayso.community.tasks`` back; that module re-exports it under its old path (tasks
# queued before this move still find it) and holds the periodic digest task.
@sayso_task(
    queue="email",
    max_attempts=10,
    backoff=60,
    former_paths=["sayso.community.tasks.deliver_notices"],  # before issue 23
)
def deliver_notices(organization_id: int, event: str) -> int:
    """community.deliver_notices: email one event's immediate notices."""
    return notices_deliver(organization_id=organization_id, event=event)
