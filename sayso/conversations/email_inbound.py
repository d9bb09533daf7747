"""Inbound email: raw MIME in, a message on the right case out.

Threading follows the mail itself: ``In-Reply-To`` and ``References`` are looked up among the
Message-IDs Sayso has stored or sent; failing that, a ``[#123]`` case token in the subject is
read. Either way the email joins that case only when its sender is an email address of the
case's customer: a header, like a typed address, is a claim, and a stranger's mail never
speaks as the customer. Otherwise the sender becomes (or is recognised as) a customer through
their own email identity, and their mail opens a case of their own (a reply to someone else's
thread says so to staff: ``headers["kept_apart_from"]``). See docs/email.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from sayso.conversations.automated_mail import automated_mail_receive, automated_mail_recognise
from sayso.conversations.email_parsing import (  # re-exported: parsing lives there
    ParsedEmail,
    case_number_in,
    parse_email,
    strip_quoted_reply,
)
from sayso.conversations.models import AutomatedMail, Case, Channel, Message
from sayso.conversations.selectors import messages_by_external_id
from sayso.conversations.services import message_receive
from sayso.core.models import Organization
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.customers.services import customer_get_or_create_by_identity

__all__ = [
    "IngestResult",
    "ParsedEmail",
    "Thread",
    "email_ingest",
    "parse_email",
    "strip_quoted_reply",
]


@dataclass
class IngestResult:
    """A stored message, or, for mail no person wrote, the ``automated`` record (its
    ``message`` is None: an automated email never speaks as a customer)."""

    message: Message | None
    created: bool
    automated: AutomatedMail | None = None

    @property
    def case(self) -> Case | None:
        if self.message is not None:
            return self.message.case
        return self.automated.case if self.automated is not None else None


@dataclass
class Thread:
    """Where an email belongs by its headers and subject: ``case`` (with the sender's
    identity on that case's customer, and the latest message it replies to), or none, with
    ``kept_apart_from`` naming the case it claimed to answer when its sender is not that
    case's customer."""

    case: Case | None = None
    identity: Identity | None = None
    replied_to: Message | None = None
    kept_apart_from: Case | None = None


def _sender_on(case: Case, address: str) -> Identity | None:
    """The sender's email identity on the case's customer, if the address is one of theirs."""
    return (
        Identity.objects.filter(
            customer_id=case.customer_id, kind=IdentityKind.EMAIL, value=address
        )
        .order_by("id")
        .first()
    )


def _thread(organization: Organization, parsed: ParsedEmail) -> Thread:
    """The case this email belongs to, when its sender is that case's customer."""
    candidates = parsed.in_reply_to + list(reversed(parsed.references))
    refused: Case | None = None
    if candidates:
        earlier = (
            messages_by_external_id(
                organization=organization, channel=Channel.EMAIL, external_ids=candidates
            )
            .select_related("case")
            .order_by("-sent_at", "-id")
            .first()
        )
        if earlier is not None:
            identity = _sender_on(earlier.case, parsed.from_address)
            if identity is not None:
                return Thread(earlier.case, identity, earlier)
            refused = earlier.case
    number = case_number_in(parsed.subject)
    if number is not None:
        case = Case.objects.filter(organization=organization, number=number).first()
        if case is not None:
            identity = _sender_on(case, parsed.from_address)
            if identity is not None:
                return Thread(case, identity)
    return Thread(kept_apart_from=refused)


# Finds the customer's open case about the same problem as a text: (case or None, score).
CaseMatcher = Callable[[Customer, str], tuple[Case | None, float]]


@transaction.atomic
def email_ingest(
    *, organization: Organization, raw: bytes, match_case: CaseMatcher | None = None
) -> IngestResult:
    """Store one inbound email as a message (idempotent on its Message-ID).

    An email that replies to nothing Sayso knows joins the case ``match_case`` finds (the
    listening pipeline passes one that compares meanings), else opens a case.

    Mail no person wrote (a bounce, an auto-reply, a newsletter: ``automated_mail``) opens
    no case, re-opens none, creates no customer and joins no case as the same problem: it is
    kept for staff as ``AutomatedMail`` (a bounce marks the sent message undelivered and
    alerts its author; an auto-reply is an internal note on its case)."""
    verdict = (
        automated_mail_recognise(bytes(raw))
        if isinstance(raw, bytes | bytearray)
        and raw.strip()
        and len(raw) <= settings.SAYSO_MAX_INBOUND_EMAIL_BYTES
        else None
    )
    if verdict is not None:
        automated, created = automated_mail_receive(organization=organization, verdict=verdict)
        return IngestResult(None, created, automated)
    parsed = parse_email(raw)
    existing = (
        messages_by_external_id(
            organization=organization, channel=Channel.EMAIL, external_ids=[parsed.message_id]
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        return IngestResult(existing, False)
    body = strip_quoted_reply(parsed.text)
    if not body.strip():
        body = "(empty message)" if not parsed.subject else parsed.subject
    thread = _thread(organization, parsed)
    case, replied_to, identity = thread.case, thread.replied_to, thread.identity
    if case is not None:
        customer = case.customer
    else:
        customer, identity, _ = customer_get_or_create_by_identity(
            organization=organization,
            kind=IdentityKind.EMAIL,
            value=parsed.from_address,
            display_name=parsed.from_name,
        )
    same_problem = 0.0
    if case is None and match_case is not None:
        case, score = match_case(customer, f"{parsed.subject}\n\n{body}".strip())
        same_problem = score if case is not None else 0.0
    sent_at = parsed.date
    if replied_to is not None and sent_at is not None and sent_at <= replied_to.sent_at:
        # Date headers count whole seconds and senders' clocks drift: a reply dated before
        # the message it answers is stored at its arrival time, so it never shows above it.
        sent_at = None
    message, created = message_receive(
        organization=organization,
        customer=case.customer if case is not None else customer,
        channel=Channel.EMAIL,
        body=body,
        external_id=parsed.message_id,
        subject=parsed.subject,
        case=case,
        author_identity=identity,
        sent_at=sent_at,
        headers={
            "message_id": parsed.message_id,
            "in_reply_to": parsed.in_reply_to,
            "references": parsed.references[-20:],
            "from": parsed.from_address,
            "to": parsed.to,
            **(
                {"kept_apart_from": thread.kept_apart_from.number}
                if thread.kept_apart_from is not None
                else {}
            ),
            **(
                {
                    "listening": {
                        "source": "Email",
                        "same_problem": True,
                        "similarity": round(same_problem, 3),
                    }
                }
                if same_problem
                else {}
            ),
        },
    )
    return IngestResult(message, created)
