"""Outbound email: a staff reply leaves through the outbox (sayso/notifications/outbox.py),
threaded so the customer's mail client and Sayso's inbound path both keep it on the same
case. What becomes of the mail shows on the reply (``reply_delivery_record``, which the app
registers with the outbox as the watcher of reply mail)."""

from __future__ import annotations

from email.utils import formataddr
from typing import Any

from django.conf import settings

from sayso.conversations.models import Channel, Direction, Message
from sayso.customers.models import IdentityKind
from sayso.notifications.models import AlertKind, MailKind, MailState, OutgoingMail
from sayso.notifications.outbox import mail_queue, mail_send
from sayso.notifications.services import alert_send


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


def _reply_parts(message: Message) -> dict[str, Any]:
    """What the reply email says and whom it goes to, threaded on the case's earlier mail."""
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
    headers: dict[str, str] = {}
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(earlier[-20:])
    return {
        "subject": f"Re: {case.subject} [#{case.number}]",
        "body": message.body,
        # formataddr quotes the name: "Ann at Haulright, Inc." must not split the address.
        "from_email": formataddr((f"{author_name} at {organization.name}", from_address)),
        "to": _recipient(message),
        "reply_to": organization.support_email or "",
        "headers": headers,
    }


def reply_mail_queue(*, message: Message) -> OutgoingMail:
    """Queue a staff reply's email in the caller's transaction (sent after commit by the
    outbox, with the message's own Message-ID); queuing it again returns the same mail."""
    if not message.external_id:
        raise ValueError("An email reply carries its Message-ID in external_id.")
    parts = _reply_parts(message)
    return mail_queue(
        kind=MailKind.REPLY,
        key=f"message:{message.pk}",
        organization=message.organization,
        message_id=message.external_id,
        case_message=message,
        case=message.case,
        **parts,
    )


def deliver_reply(*, message_id: int) -> bool:
    """Send one outbound email message now (queued first if it is not); True when the mail
    server accepted it. A second call after success sends nothing."""
    message = (
        Message.objects.select_related("case", "organization", "author_user", "customer")
        .filter(pk=message_id, direction=Direction.OUTBOUND, channel=Channel.EMAIL)
        .first()
    )
    if message is None or message.delivered_at is not None:
        return False
    mail = reply_mail_queue(message=message)
    return mail_send(mail_id=mail.pk) == MailState.DELIVERED


def reply_delivery_record(mail: OutgoingMail) -> None:
    """What the outbox's outcome means for the reply a mail carries: delivered (the message's
    ``delivered_at``), failed for good (its ``delivery_error``, and an alert for the reply's
    author), or queued again by a retry (the old error no longer holds)."""
    if mail.case_message_id is None:
        return
    reply = Message.objects.filter(pk=mail.case_message_id)
    if mail.state == MailState.DELIVERED:
        reply.update(delivered_at=mail.delivered_at, delivery_error="")
    elif mail.state == MailState.FAILED:
        reply.update(delivery_error=mail.last_error[:500])
        _undelivered_alert(mail, message_id=mail.case_message_id)
    elif mail.state == MailState.QUEUED:
        reply.update(delivery_error="")


def _undelivered_alert(mail: OutgoingMail, *, message_id: int) -> None:
    """Tell the reply's author that it could not be sent (once per attempt that failed)."""
    message = (
        Message.objects.select_related("case", "author_user", "organization")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.author_user is None:
        return
    attempt = mail.last_attempt_at.isoformat() if mail.last_attempt_at else ""
    alert_send(
        organization=message.organization,
        recipient=message.author_user,
        kind=AlertKind.MESSAGE_UNDELIVERED,
        text=(
            f"Your reply on case #{message.case.number} to {mail.recipient} could not be "
            f"sent: {mail.last_error}"
        ),
        dedupe_key=f"mail-failed:{mail.pk}:{attempt}",
        case=message.case,
    )
