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

import email
import email.errors
import email.policy
import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from sayso.conversations.models import Case, Channel, Message
from sayso.conversations.selectors import messages_by_external_id
from sayso.conversations.services import message_receive
from sayso.core.models import Organization
from sayso.customers.models import Customer, Identity, IdentityKind
from sayso.customers.services import customer_get_or_create_by_identity

_MSGID_RE = re.compile(r"<[^<>\s]+>")
_CASE_TOKEN_RE = re.compile(r"\[#(\d{1,9})\]")


@dataclass
class ParsedEmail:
    message_id: str
    from_name: str
    from_address: str
    subject: str
    text: str
    date: datetime | None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    message: Message
    created: bool

    @property
    def case(self) -> Case:
        return self.message.case


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", markup)
    text = nh3.clean(markup, tags=set())
    return html.unescape(text)


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = _html_to_text(content)
    return content


def strip_quoted_reply(text: str) -> str:
    """Drop the quoted history a mail client appends below a reply."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if re.match(r"^On .{4,200}wrote:$", stripped) or stripped.startswith(
            "-----Original Message-----"
        ):
            break
        if stripped.startswith(">") and all(
            not rest.strip() or rest.strip().startswith(">") for rest in lines[index:]
        ):
            break
        kept.append(line)
    result = "\n".join(kept).strip()
    return result or text.strip()


def _ids(value: str | None) -> list[str]:
    # Stored ids are cut at 500 characters (Message.external_id): cut look-ups the same way.
    return [found[:500] for found in _MSGID_RE.findall(value or "")[:100]]


# What the standard library's header parser raises on malformed headers (not always a
# ValueError: ``Message-ID: <<<>>>`` raises IndexError inside the parser).
_HEADER_ERRORS = (ValueError, TypeError, IndexError, AttributeError, email.errors.MessageError)


def _header(msg: EmailMessage, name: str) -> str:
    """One header as text, without NUL characters (PostgreSQL refuses them); a header the
    structured parser chokes on is read as its raw text instead."""
    try:
        value = str(msg.get(name, "") or "")
    except _HEADER_ERRORS:
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
        value = str(raw).encode("utf-8", errors="replace").decode("utf-8")
    return value.replace("\x00", "")


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse raw MIME; raise ``ValidationError`` with a clear reason when it is unusable."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise ValidationError("The email is empty.")
    limit = settings.SAYSO_MAX_INBOUND_EMAIL_BYTES
    if len(raw) > limit:
        raise ValidationError(f"The email is too large ({len(raw):,} bytes; {limit:,} at most).")
    try:
        msg = email.message_from_bytes(bytes(raw), policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything it raises is bad input
        raise ValidationError(f"The email could not be read: {exc}") from None
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise ValidationError("This is not an email: no headers were found.")
    from_header = _header(msg, "From")
    to_header = _header(msg, "To")
    subject = _header(msg, "Subject")
    addresses = [addr for _, addr in getaddresses([from_header]) if addr]
    if not addresses:
        raise ValidationError("The email has no sender (From header).")
    from_address = addresses[0].strip().lower()
    try:
        validate_email(from_address)
    except ValidationError:
        raise ValidationError(
            f"The sender “{from_address}” is not a valid email address."
        ) from None
    from_name = next((name for name, _ in getaddresses([from_header]) if name), "")
    message_ids = _ids(_header(msg, "Message-ID"))
    message_id = message_ids[0] if message_ids else ""
    if not message_id:
        # No Message-ID: derive a stable one so that re-delivery is still recognised.
        message_id = f"<{hashlib.sha256(bytes(raw)).hexdigest()}@sayso.no-message-id>"
    date = None
    try:
        date_header = _header(msg, "Date")
        if date_header:
            date = parsedate_to_datetime(date_header)
            if timezone.is_naive(date):
                date = timezone.make_aware(date, timezone.get_default_timezone())
    except (TypeError, ValueError, IndexError):
        date = None
    text = _body_text(msg).replace("\x00", "")
    return ParsedEmail(
        message_id=message_id,
        from_name=" ".join(from_name.split())[:200],
        from_address=from_address,
        subject=" ".join(subject.split())[:300],
        text=text,
        date=date,
        in_reply_to=_ids(_header(msg, "In-Reply-To")),
        references=_ids(_header(msg, "References")),
        to=[addr.lower() for _, addr in getaddresses([to_header]) if addr][:50],
    )


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
    token = _CASE_TOKEN_RE.search(parsed.subject)
    if token:
        case = Case.objects.filter(organization=organization, number=int(token.group(1))).first()
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
    listening pipeline passes one that compares meanings), else opens a case."""
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
