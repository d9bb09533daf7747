"""Outbound email: a staff reply leaves through Django's email backend, threaded so the
customer's mail client and Sayso's inbound path both keep it on the same case."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from sayso.conversations.models import Channel, Direction, Message
from sayso.customers.models import IdentityKind


def _recipient(message: Message) -> str:
    last_inbound = (
        Message.objects.filter(
            case=message.case, direction=Direction.INBOUND, channel=Channel.EMAIL
        )
        .select_related("author_identity")
        .order_by("-sent_at", "-id")
        .first()
    )
    if last_inbound is not None and last_inbound.author_identity is not None:
        return last_inbound.author_identity.value
    identity = message.customer.identities.filter(kind=IdentityKind.EMAIL).order_by("id").first()
    return identity.value if identity is not None else ""


def build_reply_email(message: Message) -> EmailMessage:
    case = message.case
    organization = message.organization
    author = message.author_user
    author_name = (author.get_full_name() or author.get_username()) if author else "Support"
    from_address = organization.support_email or settings.DEFAULT_FROM_EMAIL
    if "<" in from_address:
        from_address = from_address.split("<", 1)[1].rstrip(">")
    earlier = list(
        Message.objects.filter(case=case, channel=Channel.EMAIL)
        .exclude(pk=message.pk)
        .exclude(external_id="")
        .filter(sent_at__lte=message.sent_at)
        .order_by("sent_at", "id")
        .values_list("external_id", flat=True)
    )
    headers = {"Message-ID": message.external_id}
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier[-20:])
    return EmailMessage(
        subject=f"Re: {case.subject} [#{case.number}]",
        body=message.body,
        # formataddr quotes the name: "Ann at Haulright, Inc." must not split the address.
        from_email=formataddr((f"{author_name} at {organization.name}", from_address)),
        to=[_recipient(message)],
        reply_to=[organization.support_email] if organization.support_email else None,
        headers=headers,
    )


def deliver_reply(*, message_id: int) -> bool:
    """Send one outbound email message; a second call after success sends nothing."""
    with transaction.atomic():
        message = (
            # Lock only the message: PostgreSQL refuses FOR UPDATE across the outer join to
            # the (nullable) author.
            Message.objects.select_for_update(of=("self",))
            .select_related("case", "organization", "author_user", "customer")
            .filter(pk=message_id, direction=Direction.OUTBOUND, channel=Channel.EMAIL)
            .first()
        )
        if message is None or message.delivered_at is not None:
            return False
        mail = build_reply_email(message)
        if not mail.to or not mail.to[0]:
            message.delivery_error = "The customer has no email address."
            message.save(update_fields=["delivery_error", "updated_at"])
            return False
        try:
            mail.send(fail_silently=False)
        except (OSError, ValueError) as exc:
            message.delivery_error = f"Sending failed: {exc}"[:500]
            message.save(update_fields=["delivery_error", "updated_at"])
            return False
        message.delivered_at = timezone.now()
        message.delivery_error = ""
        message.save(update_fields=["delivered_at", "delivery_error", "updated_at"])
    return True
