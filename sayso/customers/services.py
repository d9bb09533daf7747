"""Writes for customers: create, identities, merge and unmerge, and the timeline's one writer."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sayso.core.models import Organization
from sayso.core.services import audit_record
from sayso.customers import merging
from sayso.customers.identities import normalize_identity
from sayso.customers.models import (
    Customer,
    CustomerMerge,
    Identity,
    IdentityClaim,
    IdentityKind,
    TimelineEvent,
    TimelineKind,
)
from sayso.customers.public_names import (
    public_name_for,
    public_name_from,
    public_name_validate,
)
from sayso.customers.selectors import identity_holders, identity_holders_of_values
from sayso.notifications.models import MailKind
from sayso.notifications.outbox import mail_queue

logger = logging.getLogger("sayso.customers")
# How long a link confirming a typed address works (it also signs its user in to the portal).
CLAIM_LINK_HOURS = 24
UNVERIFIED_SUFFIX = " (unverified)"


def timeline_entry(
    *,
    customer: Customer,
    kind: str,
    summary: str,
    occurred_at: Any = None,
    customer_visible: bool = False,
    case: Any = None,
    message: Any = None,
    commitment: Any = None,
    actor: Any = None,
    channel: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """A timeline entry, not yet written: ``timeline_record`` writes one, and
    ``timeline_record_many`` many at once."""
    return TimelineEvent(
        organization_id=customer.organization_id,
        customer=customer,
        kind=kind,
        summary=summary[:500],
        occurred_at=occurred_at or timezone.now(),
        customer_visible=customer_visible,
        case=case,
        message=message,
        commitment=commitment,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        channel=channel,
        data=data or {},
    )


# Told of every entry written, in the writer's transaction (sayso.webhooks: its events).
_timeline_listeners: list[Callable[[list[TimelineEvent]], None]] = []


def timeline_listen(listener: Callable[[list[TimelineEvent]], None]) -> None:
    if listener not in _timeline_listeners:
        _timeline_listeners.append(listener)


def timeline_record(**entry: Any) -> TimelineEvent:
    """The only writer of timeline entries (with ``timeline_record_many``), given the
    arguments of ``timeline_entry``. Runs inside the caller's transaction, so an entry exists
    exactly when the change it describes does."""
    event = timeline_entry(**entry)
    event.save(force_insert=True)
    for listener in _timeline_listeners:
        listener([event])
    return event


def timeline_record_many(entries: list[TimelineEvent]) -> list[TimelineEvent]:
    """Write entries built by ``timeline_entry`` in one statement, in their order."""
    written = TimelineEvent.objects.bulk_create(entries) if entries else []
    for listener in _timeline_listeners if written else []:
        listener(written)
    return written


CLAIMED_BY_WIDGET_ONLY = (
    "An unverified email is recorded only when someone types it into the widget; add the "
    "address as an email."
)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if len(name) > 200:
        raise ValidationError("A customer's name is 200 characters at most.")
    return name


@transaction.atomic
def customer_create(
    *,
    organization: Organization,
    display_name: str,
    identities: list[tuple[str, str]] | None = None,
    notes: str = "",
    actor: Any = None,
) -> Customer:
    """Create a customer with identities given as (kind, value) pairs; all or nothing."""
    if any(kind == IdentityKind.EMAIL_CLAIMED for kind, _ in identities or []):
        raise ValidationError(CLAIMED_BY_WIDGET_ONLY)
    cleaned = [(kind, normalize_identity(kind, value)) for kind, value in identities or []]
    name = _clean_name(display_name) or (cleaned[0][1] if cleaned else "")
    if not name:
        raise ValidationError("A customer needs a name or at least one identity.")
    customer = Customer.objects.create(
        organization=organization,
        display_name=name,
        # From the name given, never from an identity (an address is not a public name).
        public_name=public_name_for(_clean_name(display_name)),
        notes=notes,
    )
    for kind, value in cleaned:
        Identity.objects.get_or_create(
            organization=organization, customer=customer, kind=kind, value=value
        )
    if actor is not None:
        audit_record(organization=organization, actor=actor, action="customer.create", obj=customer)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    display_name: str | None = None,
    notes: str | None = None,
    public_name: str | None = None,
) -> Customer:
    """Staff change what they know a customer by (and, with ``public_name``, the name shown
    in public). A new person's name also renews a public name the customer did not choose."""
    fields = ["updated_at"]
    if display_name is not None:
        name = _clean_name(display_name)
        if not name:
            raise ValidationError("A customer's name cannot be empty.")
        customer.display_name = name
        fields.append("display_name")
        derived = public_name_from(name)
        if public_name is None and derived and customer.public_name_chosen_at is None:
            customer.public_name = derived
            fields.append("public_name")
    if public_name is not None:
        customer.public_name = public_name_validate(public_name)
        fields.append("public_name")
    if notes is not None:
        customer.notes = notes
        fields.append("notes")
    customer.save(update_fields=fields)
    return customer


@transaction.atomic
def identity_add(
    *, customer: Customer, kind: str, value: str, label: str = "", actor: Any = None
) -> Identity:
    """Attach an identity (idempotent: the same kind and value twice is one identity)."""
    if customer.merged_into_id is not None:
        raise ValidationError("This customer was merged into another; add identities there.")
    if kind == IdentityKind.EMAIL_CLAIMED:
        raise ValidationError(CLAIMED_BY_WIDGET_ONLY)
    normalized = normalize_identity(kind, value)
    identity = Identity.objects.filter(customer=customer, kind=kind, value=normalized).first()
    if identity is not None:
        return identity
    identity = Identity.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        kind=kind,
        value=normalized,
        label=label[:200],
    )
    timeline_record(
        customer=customer,
        kind=TimelineKind.IDENTITY_ADDED,
        summary=f"{IdentityKind(kind).label} {normalized} added",
        actor=actor,
        channel=kind,
    )
    return identity


@transaction.atomic
def customer_public_name_set(*, customer: Customer, public_name: str) -> Customer:
    """The customer chooses the name shown with what they post in public (portal profile).
    ``ValidationError`` when it is empty, too long, or an address, phone number or handle."""
    name = public_name_validate(public_name)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
    customer.public_name = name
    customer.public_name_chosen_at = timezone.now()
    customer.save(update_fields=["public_name", "public_name_chosen_at", "updated_at"])
    return customer


def active_customer(customer: Customer) -> Customer:
    """Follow merges to the customer that now holds this one's record."""
    seen = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


@transaction.atomic
def customer_get_or_create_by_identity(
    *, organization: Organization, kind: str, value: str, display_name: str = ""
) -> tuple[Customer, Identity, bool]:
    """The customer who holds this identity (the oldest, if several do), or a new one."""
    normalized = normalize_identity(kind, value)
    identity = identity_holders(organization=organization, kind=kind, value=normalized).first()
    if identity is not None:
        return identity.customer, identity, False
    name = _clean_name(display_name)
    customer = Customer.objects.create(
        organization=organization,
        display_name=name or normalized,
        public_name=public_name_for(name),
    )
    identity = Identity.objects.create(
        organization=organization, customer=customer, kind=kind, value=normalized
    )
    return customer, identity, True


@dataclass(frozen=True)
class NewCustomer:
    """One person for ``customers_get_or_create_by_identities``: what a channel says of them."""

    # The name the channel gave ("" when none): the staff's name for them (else their first
    # identity), and what their public name is derived from (never from an identity).
    name: str = ""
    # (kind, value) pairs, normalized by the service; the first is the one they are known by.
    identities: Sequence[tuple[str, str]] = ()
    # A public name chosen for them (validated: never an address); "" derives it from ``name``.
    public_name: str = ""
    # What their identities are, for the staff.
    label: str = ""
    is_prospect: bool = False


@dataclass
class HeldCustomer:
    """The customer who holds a ``NewCustomer``'s identities."""

    customer: Customer
    # The person's identities that ``customer`` holds, by normalized (kind, value).
    identities: dict[tuple[str, str], Identity] = field(default_factory=dict)
    # Made by this call (for this person or an earlier one of the call).
    created: bool = False


def customers_get_or_create_by_identities(
    *, organization: Organization, people: Sequence[NewCustomer]
) -> list[HeldCustomer]:
    """``customer_get_or_create_by_identity`` for many people at once, in a few statements
    (a read per kind of identity, then one insert of the new customers and one of their
    identities), for channels that bring many authors at a time (the listening pipeline).

    Each person is the customer who holds the first of their identities that someone holds
    (the oldest customer, if several do), or an earlier person of the same call who has one
    of them; else a new customer holding all of them. A second call with the same identities
    creates nothing. The rules are the single services': identities normalized
    (``ValidationError`` for one that is not valid, and nothing is written), the name squeezed
    (200 characters at most) or else the first identity, and a public name derived from the
    name or a pseudonym, never an identity. Like ``customer_get_or_create_by_identity`` it
    writes no timeline entry or audit record. Another worker creating the same identity at
    the same moment makes a second holder, as one at a time would: holders are read oldest
    first, so the first customer keeps it.
    """
    wanted: list[list[tuple[str, str]]] = []
    for person in people:
        keys: list[tuple[str, str]] = []
        for kind, value in person.identities:
            key = (kind, normalize_identity(kind, value))
            if key not in keys:
                keys.append(key)
        if not keys and not " ".join(person.name.split()):
            raise ValidationError("A customer needs a name or at least one identity.")
        wanted.append(keys)
    chosen = {p.public_name: public_name_validate(p.public_name) for p in people if p.public_name}
    by_kind: dict[str, set[str]] = {}
    for keys in wanted:
        for kind, value in keys:
            by_kind.setdefault(kind, set()).add(value)
    # Who holds each identity now: the oldest active customer, then the people of this call.
    holders: dict[tuple[str, str], Identity] = {}
    for kind, values in by_kind.items():
        for identity in identity_holders_of_values(
            organization=organization, kind=kind, values=values
        ):
            holders.setdefault((kind, identity.value), identity)
    held: list[HeldCustomer] = []
    customers: list[Customer] = []
    identities: list[Identity] = []
    for person, keys in zip(people, wanted, strict=True):
        holder = next((holders[key] for key in keys if key in holders), None)
        if holder is not None:
            # Held by someone stored (the customer's id) or by a person of this call (unsaved).
            mine = {
                key: holders[key]
                for key in keys
                if key in holders
                and (
                    holders[key].customer_id == holder.customer_id
                    if holder.pk is not None
                    else holders[key].customer is holder.customer
                )
            }
            held.append(
                HeldCustomer(customer=holder.customer, identities=mine, created=holder.pk is None)
            )
            continue
        name = " ".join(person.name.split())
        customer = Customer(
            organization=organization,
            display_name=(name or keys[0][1])[:200],
            # From the name given, never from an identity (an address is not a public name).
            public_name=chosen[person.public_name] if person.public_name else public_name_for(name),
            is_prospect=person.is_prospect,
        )
        customers.append(customer)
        mine = {}
        for kind, value in keys:
            identity = Identity(
                organization=organization,
                customer=customer,
                kind=kind,
                value=value,
                label=person.label[:200],
            )
            identities.append(identity)
            holders[(kind, value)] = mine[(kind, value)] = identity
        held.append(HeldCustomer(customer=customer, identities=mine, created=True))
    # All or nothing; in a caller's transaction, without a savepoint of its own (the checks
    # that raise are done: an error now is the database's, and ends the caller's too).
    with transaction.atomic(savepoint=False):
        if customers:
            Customer.objects.bulk_create(customers)
        if identities:  # their customers have ids now (bulk_create reads them back)
            Identity.objects.bulk_create(identities)
    return held


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer, actor: Any = None) -> CustomerMerge:
    """Move everything of ``source`` to ``target``; ``customer_unmerge`` reverses it."""
    # Lock both rows so two merges of the same customers cannot interleave.
    locked = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    }
    if len(locked) != 2:
        raise ValidationError("Choose two different customers to merge.")
    source, target = locked[source.pk], locked[target.pk]
    if source.organization_id != target.organization_id:
        raise ValidationError("Customers of different organizations cannot be merged.")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise ValidationError("One of these customers was already merged into another.")
    moved: dict[str, list[int]] = {}
    relations = merging.relations()
    for label, relation in relations.items():
        ids = relation.rows_to_move(source, target)
        if ids:
            relation.model._default_manager.filter(pk__in=ids).update(**{relation.field: target})
        moved[label] = ids
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    for relation in relations.values():
        if relation.after is not None:
            relation.after(source, target)
    merge = CustomerMerge.objects.create(
        organization_id=source.organization_id,
        source=source,
        target=target,
        moved=moved,
        source_snapshot={"display_name": source.display_name, "notes": source.notes},
        merged_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    timeline_record(
        customer=target,
        kind=TimelineKind.MERGE,
        summary=f"{source.display_name} (customer {source.pk}) merged into this record",
        actor=actor,
        data={"merge": merge.pk, "source": source.pk},
    )
    if actor is not None:
        audit_record(
            organization=target.organization,
            actor=actor,
            action="customer.merge",
            obj=merge,
            data={"source": source.pk, "target": target.pk},
        )
    return merge


@transaction.atomic
def customer_unmerge(*, merge: CustomerMerge, actor: Any = None) -> Customer:
    """Undo a merge: every row it moved goes back to the source, which becomes active again."""
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError("This merge was already undone.")
    source = Customer.objects.select_for_update().get(pk=merge.source_id)
    target = Customer.objects.select_for_update().get(pk=merge.target_id)
    if source.merged_into_id != target.pk:
        raise ValidationError("This merge is no longer in effect.")
    if target.merged_into_id is not None:
        raise ValidationError(
            "The merged record was itself merged into another customer; undo that merge first."
        )
    relations = merging.relations()
    for label, ids in merge.moved.items():
        if label not in relations or not ids:
            continue
        relation = relations[label]
        relation.model._default_manager.filter(pk__in=ids, **{relation.field: target}).update(
            **{relation.field: source}
        )
    source.merged_into = None
    source.display_name = merge.source_snapshot.get("display_name", source.display_name)
    source.notes = merge.source_snapshot.get("notes", source.notes)
    source.save(update_fields=["merged_into", "display_name", "notes", "updated_at"])
    for relation in relations.values():
        if relation.after is not None:
            relation.after(source, target)
    merge.undone_at = timezone.now()
    merge.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    for customer, other in ((target, source), (source, target)):
        timeline_record(
            customer=customer,
            kind=TimelineKind.UNMERGE,
            summary=f"Merge with {other.display_name} (customer {other.pk}) undone",
            actor=actor,
            data={"merge": merge.pk},
        )
    if actor is not None:
        audit_record(
            organization=target.organization, actor=actor, action="customer.unmerge", obj=merge
        )
    return source


def portal_login_link_send(
    *, organization: Organization, email: str, next_url: str = ""
) -> str | None:
    """Email a one-time sign-in link for the customer portal; returns the raw token sent.

    Sign-up and sign-in are the same step: the customer record is found or created only when
    the link is used, so a mistyped address creates nothing.
    """
    import secrets
    from datetime import timedelta

    from django.conf import settings
    from django.urls import reverse

    from sayso.core.models import LoginLink, token_digest

    address = normalize_identity(IdentityKind.EMAIL, email)
    raw = secrets.token_urlsafe(32)
    minutes = settings.SAYSO_LOGIN_LINK_MINUTES
    if not next_url.startswith(f"/o/{organization.slug}/"):
        next_url = ""
    expires_at = timezone.now() + timedelta(minutes=minutes)
    path = reverse("portal-signin-confirm", kwargs={"org": organization.slug, "token": raw})
    with transaction.atomic():
        LoginLink.objects.create(
            organization=organization,
            email=address,
            digest=token_digest(raw),
            expires_at=expires_at,
            next_url=next_url[:300],
        )
        # Sent by the outbox after commit, never in this request (a slow mail server must not
        # slow sign-in); the link is erased from the outbox once the mail is done with.
        mail_queue(
            kind=MailKind.SIGN_IN,
            organization=organization,
            to=address,
            subject=f"Your sign-in link for {organization.name}",
            body=(
                f"Hello,\n\nUse this link to sign in to {organization.name}'s customer portal. "
                f"It works once, for {minutes} minutes:\n\n{settings.SAYSO_BASE_URL}{path}\n\n"
                "If you did not ask for it, ignore this email.\n"
            ),
            send_before=expires_at,
            secret=True,
        )
    return raw


def _link_to_use(model: Any, *, organization: Organization, raw: str, name: str, again: str) -> Any:
    """The one-time link (a ``LoginLink`` or an ``IdentityClaim``) whose token is ``raw``,
    locked; ``ValidationError`` when it is unknown, used or expired."""
    from sayso.core.models import token_digest

    link = (
        model.objects.select_for_update()
        .filter(organization=organization, digest=token_digest(raw or ""))
        .first()
    )
    if link is None:
        raise ValidationError(f"This {name} link is not valid. {again}")
    if link.used_at is not None:
        raise ValidationError(f"This {name} link was already used. {again}")
    if link.expires_at <= timezone.now():
        raise ValidationError(f"This {name} link has expired. {again}")
    return link


@transaction.atomic
def portal_login_link_redeem(
    *, organization: Organization, raw: str, public_name: str | None = None
) -> tuple[Customer, str]:
    """Use a sign-in link once; returns the customer (created on first sign-in) and the page
    to go to next. ``public_name`` is the name shown publicly that the sign-in page asks for
    (sign-up and sign-in are one step); None leaves it as it is. Raises ``ValidationError``
    for an unknown, used or expired link, or a name that cannot be shown (the link then
    stays unused)."""
    from sayso.core.models import LoginLink

    chosen = public_name_validate(public_name) if public_name is not None else None
    link = _link_to_use(
        LoginLink, organization=organization, raw=raw, name="sign-in", again="Ask for a new one."
    )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at", "updated_at"])
    customer, identity, _ = customer_get_or_create_by_identity(
        organization=organization, kind=IdentityKind.EMAIL, value=link.email
    )
    if identity.verified_at is None:
        identity.verified_at = timezone.now()
        identity.save(update_fields=["verified_at", "updated_at"])
    if chosen is not None and (
        chosen != customer.public_name or customer.public_name_chosen_at is None
    ):
        customer = customer_public_name_set(customer=customer, public_name=chosen)
    return customer, link.next_url


# Claimed addresses -------------------------------------------------------------------------
# An address typed into a form proves nothing: what is sent with it stays with an unverified
# contact (a prospect holding an ``EMAIL_CLAIMED`` identity) until a link sent to the address
# is used. See docs/listening.md, "Claimed addresses".


def identity_claim_send(*, contact: Customer, value: str) -> str | None:
    """Email a link confirming ``value``, an address typed for ``contact`` (an unverified
    contact); returns the raw token sent. None when a link sent for this contact and address
    still works (a form posted again and again sends one email, not one each). The email is
    queued in the caller's transaction and sent by the outbox after commit."""
    address = normalize_identity(IdentityKind.EMAIL, value)
    organization = contact.organization
    now = timezone.now()
    pending = IdentityClaim.objects.filter(
        contact=contact, value=address, used_at__isnull=True, expires_at__gt=now
    )
    if pending.exists():
        return None
    raw = secrets.token_urlsafe(32)
    from sayso.core.models import token_digest

    claim = IdentityClaim.objects.create(
        organization=organization,
        contact=contact,
        value=address,
        digest=token_digest(raw),
        expires_at=now + timedelta(hours=CLAIM_LINK_HOURS),
    )
    path = reverse("portal-claim-confirm", kwargs={"org": organization.slug, "token": raw})
    # Sent by the outbox after commit (retried while the mail server is away).
    mail_queue(
        kind=MailKind.CLAIM,
        key=f"claim:{claim.pk}",
        organization=organization,
        to=address,
        subject=f"Please confirm your message to {organization.name}",
        body=(
            f"Hello,\n\nSomeone sent a message to {organization.name} through the feedback "
            f"form on its website and gave this address ({address}) for the answer.\n\n"
            "If it was you, confirm it with this link (it works once, for "
            f"{CLAIM_LINK_HOURS} hours):\n\n{settings.SAYSO_BASE_URL}{path}\n\n"
            f"Until then the message is kept apart from anything else {organization.name} "
            "knows about you, and no answer is sent to this address. If it was not you, "
            "ignore this email: nothing is attached to you.\n"
        ),
        send_before=claim.expires_at,
        secret=True,
    )
    return raw


@transaction.atomic
def identity_claim_confirm(*, organization: Organization, raw: str) -> Customer:
    """Use a claim's confirmation link once: the address is proved, so the unverified contact
    is merged into the customer who holds the address (``customer_merge``: staff can undo
    it), or, when nobody does, becomes that customer. Returns the customer the address
    belongs to now. Raises ``ValidationError`` for an unknown, used or expired link."""
    claim = _link_to_use(
        IdentityClaim,
        organization=organization,
        raw=raw,
        name="confirmation",
        again="Send your message again to get a new one.",
    )
    now = timezone.now()
    contact = Customer.objects.select_for_update().get(pk=claim.contact_id)
    merge = None
    if contact.merged_into_id is None:
        holder = (
            identity_holders(organization=organization, kind=IdentityKind.EMAIL, value=claim.value)
            .exclude(customer=contact)
            .first()
        )
        # The claim is proved: the contact's identity becomes a verified email, and moves
        # with the merge (an unverified claim would stay behind).
        Identity.objects.filter(
            customer=contact, kind=IdentityKind.EMAIL_CLAIMED, value=claim.value
        ).update(kind=IdentityKind.EMAIL, verified_at=now, updated_at=now)
        if holder is not None:
            customer = holder.customer
            merge = customer_merge(source=contact, target=customer)
        else:
            customer = contact
            if customer.display_name.endswith(UNVERIFIED_SUFFIX):
                customer.display_name = customer.display_name.removesuffix(UNVERIFIED_SUFFIX)
                customer.save(update_fields=["display_name", "updated_at"])
                # The name was the address typed: the pseudonym it got stays.
    else:
        # Staff merged the contact somewhere already: the address still signs in as its own.
        customer, _, _ = customer_get_or_create_by_identity(
            organization=organization, kind=IdentityKind.EMAIL, value=claim.value
        )
    Identity.objects.filter(
        customer=customer, kind=IdentityKind.EMAIL, value=claim.value, verified_at__isnull=True
    ).update(verified_at=now, updated_at=now)
    claim.used_at = now
    claim.confirmed_as = customer
    claim.merge = merge
    claim.save(update_fields=["used_at", "confirmed_as", "merge", "updated_at"])
    # The contact's other links would confirm nothing more.
    IdentityClaim.objects.filter(contact=contact, used_at__isnull=True).update(
        used_at=now, updated_at=now
    )
    timeline_record(
        customer=customer,
        kind=TimelineKind.IDENTITY_ADDED,
        summary=f"Email {claim.value} confirmed by its link: what was sent with it through "
        "the widget is this customer's",
        channel=IdentityKind.EMAIL,
        data={"claim": claim.pk, "contact": contact.pk},
    )
    return customer
