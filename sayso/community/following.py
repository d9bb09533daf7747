"""Following by email: follows, the notices each event leaves for followers, their delivery
(at once or as a daily digest), and one-click unsubscribe.

Services that change something public call ``announce(...)`` inside their transaction: it
writes one ``Notice`` per follower (once per event, whatever the retries) and, after commit,
enqueues the task that emails the immediate ones. Every email carries a signed unsubscribe link
for the follow that caused it (and ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers for
mail clients' one-click button); a link cannot be changed to unsubscribe someone else.
Opening the link changes nothing (mail scanners open links): the page asks, and its POST, or
the mail client's RFC 8058 one-click POST, unsubscribes. The page's "Undo" can only follow
again what was just unsubscribed from (a signed undo), and ``follow_add`` refuses any subject
that is not a followable thing of the customer's organization.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sayso.community.models import Delivery, Follow, FollowSettings, Idea, Notice
from sayso.core.models import Organization
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.notifications.models import MailKind
from sayso.notifications.outbox import mail_queue

UNSUBSCRIBE_SALT = "sayso.community.unsubscribe"
UNDO_SALT = "sayso.community.unsubscribe.undo"
UNDO_MAX_AGE = timedelta(days=1)  # how long the "Undo" button of an unsubscribe page works
DIGEST_EVERY = timedelta(hours=23)  # a little under a day, so a daily tick never skips a day


def idea_subject(idea: Idea | int) -> str:
    return f"idea:{idea if isinstance(idea, int) else idea.pk}"


def category_subject(category_id: int) -> str:
    return f"category:{category_id}"


NEW_IDEAS = "ideas"
# Subjects that are a whole list rather than one thing: new ideas, new questions, the
# changelog, the roadmap, the status page.
WHOLE_SUBJECTS = frozenset({NEW_IDEAS, "questions", "changelog", "roadmap", "status"})


# --- settings and follows --------------------------------------------------------------------


def settings_for(customer: Customer) -> FollowSettings:
    found = FollowSettings.objects.filter(customer=customer).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FollowSettings.objects.create(
                organization_id=customer.organization_id, customer=customer
            )
    except IntegrityError:
        return FollowSettings.objects.get(customer=customer)


@transaction.atomic
def follow_settings_update(
    *, customer: Customer, follow_on_participation: bool, delivery: str
) -> FollowSettings:
    if delivery not in Delivery.values:
        from django.core.exceptions import ValidationError

        raise ValidationError({"delivery": "Choose each update or a daily digest."})
    found = settings_for(customer)
    found.follow_on_participation = follow_on_participation
    found.delivery = delivery
    found.save(update_fields=["follow_on_participation", "delivery", "updated_at"])
    Follow.objects.filter(customer=customer).update(delivery=delivery)
    return found


def subject_followable(*, organization_id: int, subject: str) -> bool:
    """Whether ``subject`` names something public of the organization that can be followed."""
    from sayso.community.models import Category, CommunityProfile, Question, Review

    if subject in WHOLE_SUBJECTS:
        return True
    kind, _, raw = (subject or "").partition(":")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return False
    pk = int(raw)
    scope = {"organization_id": organization_id, "pk": pk}
    if kind == "idea":
        return Idea.objects.filter(**scope).exists()
    if kind == "category":
        return Category.objects.filter(**scope).exists()
    if kind == "review":
        return Review.objects.filter(**scope).exists()
    if kind == "question":
        return Question.objects.filter(
            **scope, hidden_at__isnull=True, deleted_at__isnull=True
        ).exists()
    if kind == "person":
        # Only people who chose to be visible can be followed.
        return CommunityProfile.objects.filter(
            organization_id=organization_id, customer_id=pk, visible=True
        ).exists()
    if kind == "incident":
        from sayso.status.models import Incident

        return Incident.objects.filter(**scope).exists()
    if kind in {"roadmap-item", "changelog-entry"}:
        from sayso.roadmap.models import ChangelogEntry, RoadmapItem

        model = RoadmapItem if kind == "roadmap-item" else ChangelogEntry
        return model.objects.filter(**scope).exists()
    return False


def _not_followable() -> ValidationError:
    return ValidationError(
        {
            "subject": "Follow ideas, questions, changelog, roadmap, status, idea:<id>, "
            "category:<id>, review:<id>, roadmap-item:<id>, changelog-entry:<id>, "
            "question:<id>, incident:<id> or person:<id> (of someone visible) of this "
            "organization."
        }
    )


def subject_check(*, organization: Organization, subject: str) -> str:
    """``subject`` when it names something public of the organization that can be followed,
    else a ValidationError saying what can be."""
    if not subject_followable(organization_id=organization.pk, subject=subject):
        raise _not_followable()
    return subject


def follow_add(*, customer: Customer, subject: str, delivery: str | None = None) -> Follow:
    """Follow ``subject`` (idempotent: following twice keeps one follow). Only something the
    customer's organization has and lets be followed (``subject_check``): no caller, however
    it got the subject, can create a follow of another organization's thing or of junk."""
    if customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    if not subject_followable(organization_id=customer.organization_id, subject=subject):
        raise _not_followable()
    chosen = delivery if delivery in Delivery.values else settings_for(customer).delivery
    try:
        with transaction.atomic():
            follow, _ = Follow.objects.get_or_create(
                customer=customer,
                subject=subject,
                defaults={"organization_id": customer.organization_id, "delivery": chosen},
            )
    except IntegrityError:
        follow = Follow.objects.get(customer=customer, subject=subject)
    if delivery in Delivery.values and follow.delivery != delivery:
        follow.delivery = delivery
        follow.save(update_fields=["delivery", "updated_at"])
    FollowSettings.objects.filter(customer=customer, emails_stopped_at__isnull=False).update(
        emails_stopped_at=None
    )
    return follow


def follow_remove(*, customer: Customer, subject: str) -> bool:
    follows = Follow.objects.filter(customer=customer, subject=subject)
    Notice.objects.filter(follow__in=follows, sent_at__isnull=True, skipped="").update(
        skipped="unfollowed"
    )
    deleted, _ = follows.delete()
    return bool(deleted)


def follow_on_participation(customer: Customer, subject: str) -> None:
    """Voting, commenting or posting follows, unless the customer turned that off."""
    found = settings_for(customer)
    if found.follow_on_participation and found.emails_stopped_at is None:
        follow_add(customer=customer, subject=subject)


def follows_move(*, from_subject: str, to_subject: str, organization: Organization) -> int:
    """A merged idea's followers follow the surviving idea (once each)."""
    already = Follow.objects.filter(organization=organization, subject=to_subject).values(
        "customer_id"
    )
    moved = (
        Follow.objects.filter(organization=organization, subject=from_subject)
        .exclude(customer_id__in=already)
        .update(subject=to_subject)
    )
    Follow.objects.filter(organization=organization, subject=from_subject).delete()
    return moved


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
        from sayso.community.tasks import deliver_notices

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


def following(*, customer: Customer | None, subjects: Iterable[str]) -> set[str]:
    """Which of ``subjects`` the customer follows."""
    if customer is None:
        return set()
    return set(
        Follow.objects.filter(customer=customer, subject__in=list(subjects)).values_list(
            "subject", flat=True
        )
    )
