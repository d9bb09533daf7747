"""Reading an email as a person reads it: the sender, the subject and the body text.

``parse_email`` turns raw MIME into a ``ParsedEmail``; it never raises on broken MIME except
``ValidationError`` for mail that is unusable (no sender, too large, not an email). See the
"Bodies" section of docs/email.md.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from sayso.core.html_text import html_to_text

_MSGID_RE = re.compile(r"<[^<>\s]+>")


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
        content = html_to_text(content)
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
