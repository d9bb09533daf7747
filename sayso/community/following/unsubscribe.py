"""One-click unsubscribe: signed links, the page's question before anything changes, and its
signed undo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sayso.community.following.follows import follow_add, settings_for
from sayso.community.models import (
    Follow,
    Notice,
)
from sayso.core.models import Organization
from sayso.customers.models import Customer

UNSUBSCRIBE_SALT = "sayso.community.unsubscribe"


UNDO_SALT = "sayso.community.unsubscribe.undo"


UNDO_MAX_AGE = timedelta(days=1)  # how long the "Undo" button of an unsubscribe page works


def unsubscribe_token(*, customer_id: int, follow_id: int | None) -> str:
    """A signed token for one follow (or, with ``follow_id`` None, every follow) of one
    customer. It does not expire: an old email's link must still work."""
    return signing.dumps({"c": customer_id, "f": follow_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, int | None] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    follow_id = data.get("f")
    return data["c"], follow_id if isinstance(follow_id, int) else None


def unsubscribe_url(organization: Organization, token: str) -> str:
    path = reverse("unsubscribe", kwargs={"org": organization.slug, "token": token})
    return settings.SAYSO_BASE_URL + path


def _unsubscribe_holder(
    organization: Organization, token: str
) -> tuple[Customer, int | None] | None:
    """The customer an unsubscribe token belongs to (the record it was merged into, for a link
    from before a merge) and the follow it names; None for a forged or foreign token."""
    read = unsubscribe_read(token)
    if read is None:
        return None
    customer_id, follow_id = read
    customer = Customer.objects.filter(organization=organization, pk=customer_id).first()
    if customer is None:
        return None
    from sayso.customers.services import active_customer

    return active_customer(customer), follow_id


@dataclass(frozen=True)
class Unsubscribing:
    """What an unsubscribe link would stop, shown before anything changes."""

    customer: Customer
    follow: Follow | None  # None when it is gone already, or for "everything"
    everything: bool


def unsubscribe_pending(*, organization: Organization, token: str) -> Unsubscribing | None:
    """What the link would unsubscribe from, changing nothing (a mail scanner following the
    link must not unsubscribe anyone). None for a forged or foreign token."""
    holder = _unsubscribe_holder(organization, token)
    if holder is None:
        return None
    customer, follow_id = holder
    if follow_id is None:
        return Unsubscribing(customer, None, everything=True)
    follow = Follow.objects.filter(customer=customer, pk=follow_id).first()
    return Unsubscribing(customer, follow, everything=False)


def unsubscribe_undo_token(*, customer_id: int, subject: str) -> str:
    """The signed "undo" of one unsubscribe: it can only follow again what this customer was
    just unsubscribed from (for ``UNDO_MAX_AGE``)."""
    return signing.dumps({"c": customer_id, "s": subject}, salt=UNDO_SALT, compress=True)


@dataclass(frozen=True)
class UnsubscribeResult:
    customer: Customer
    subject: str | None  # the follow removed (None when it was gone already, or "everything")
    removed: int
    everything: bool = False
    undo: str | None = None  # the signed undo, when a follow was removed


@transaction.atomic
def unsubscribe(
    *, organization: Organization, token: str, everything: bool = False
) -> UnsubscribeResult | None:
    """Honour an unsubscribe link: its follow, or with ``everything`` every follow of the
    customer (and no more following by participation). None for a forged or foreign token."""
    holder = _unsubscribe_holder(organization, token)
    if holder is None:
        return None
    customer, follow_id = holder
    if everything or follow_id is None:
        removed, _ = Follow.objects.filter(customer=customer).delete()
        found = settings_for(customer)
        found.follow_on_participation = False
        found.emails_stopped_at = timezone.now()
        found.save(update_fields=["follow_on_participation", "emails_stopped_at", "updated_at"])
        Notice.objects.filter(customer=customer, sent_at__isnull=True, skipped="").update(
            skipped="unsubscribed"
        )
        return UnsubscribeResult(customer, None, removed, everything=True)
    follow = Follow.objects.filter(customer=customer, pk=follow_id).first()
    if follow is None:
        return UnsubscribeResult(customer, None, 0)
    Notice.objects.filter(follow=follow, sent_at__isnull=True, skipped="").update(
        skipped="unsubscribed"
    )
    follow.delete()
    undo = unsubscribe_undo_token(customer_id=customer.pk, subject=follow.subject)
    return UnsubscribeResult(customer, follow.subject, 1, undo=undo)


@transaction.atomic
def unsubscribe_undo(*, organization: Organization, token: str, undo: str) -> Follow | None:
    """Follow again what ``token``'s holder was just unsubscribed from, as ``undo`` (made by
    ``unsubscribe``) says. None when the token is forged or foreign, or ``undo`` was not made
    for this holder or is too old; a ValidationError when the subject can no longer be
    followed (``follow_add`` checks it like every follow)."""
    holder = _unsubscribe_holder(organization, token)
    if holder is None:
        return None
    customer, _ = holder
    try:
        data = signing.loads(undo, salt=UNDO_SALT, max_age=UNDO_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str):
        return None
    if data.get("c") != customer.pk:
        return None
    return follow_add(customer=customer, subject=data["s"])
