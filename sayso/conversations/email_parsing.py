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
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from sayso.core import charsets
from sayso.core.html_text import html_to_text

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


# --- Bodies: the text a person reads (docs/email.md, "Bodies") ---------------------------

# How deep attached messages and nested multiparts are followed (a message can nest itself
# without end: flanker's enclosed-endless.eml).
_MAX_DEPTH = 12
# Parts that machines read, not people (a bounce's status fields, an abuse report's fields,
# a read receipt's fields, the returned headers, signatures).
_MACHINE_TYPES = {
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "message/global-disposition-notification",
    "message/feedback-report",
    "text/rfc822-headers",
    "message/global-headers",
    "message/external-body",
}
_ATTACHED_MESSAGE_TYPES = {"message/rfc822", "message/global", "message/news"}
# A text/plain alternative that only points at the HTML one ("This is an HTML message; view it
# in a browser"): short, and saying so.
_FILLER = re.compile(
    r"(?i)\b(html|browser|web ?version|mail (?:client|program|reader)|view (?:it|this)|"
    r"does not support|cannot (?:display|read))\b"
)
_FORWARD_RULE = "---------- Forwarded message ----------"


def decode_text(payload: bytes, declared: str | None) -> str:
    """Bytes of a text part as text (``sayso.core.charsets``): the declared charset when the
    bytes read as it says, UTF-8 when they are valid UTF-8 (a part declared GB2312 or Latin-1
    but written in UTF-8), "Latin-1" as windows-1252, else what charset-normalizer detects
    (also when the declared charset reads them as mojibake); never raises."""
    if not payload:
        return ""
    return charsets.decode(payload, [declared] if declared else [])[0]


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def _single_text(part: Message) -> str:
    """One leaf part's text (HTML converted), or "" for parts that are not for reading."""
    content_type = part.get_content_type()
    if content_type in _MACHINE_TYPES:
        return ""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = decode_text(_part_bytes(part), charset)
    if content_type == "text/html" or (
        content_type != "text/plain" and "<html" in text[:2000].lower()
    ):
        return html_to_text(text)
    return _tidy_plain(text)


def _tidy_plain(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _is_attachment(part: Message) -> bool:
    try:
        return part.get_content_disposition() == "attachment"
    except Exception:
        return False


def _is_filler(plain: str, html_text: str) -> bool:
    return len(plain) < 300 and len(html_text) > 2 * len(plain) and bool(_FILLER.search(plain))


def _alternative_text(part: Message, depth: int) -> str:
    """The richest alternative that has text: text/plain unless it is empty or only points at
    the HTML alternative; HTML (or a nested multipart) otherwise."""
    texts: list[tuple[str, str]] = []
    for child in _children(part):
        text = _text_of(child, depth + 1, in_alternative=True)
        if text.strip():
            texts.append((child.get_content_type(), text))
    if not texts:
        return ""
    plain = next((text for kind, text in texts if kind == "text/plain"), "")
    richer = [text for kind, text in texts if kind != "text/plain"]
    if plain and not (richer and _is_filler(plain, max(richer, key=len))):
        return plain
    return richer[-1] if richer else plain


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def _attached_message_text(part: Message, depth: int) -> str:
    children = _children(part)
    inner = children[0] if children else None
    if inner is None:
        # An attached message the parser could not open: read its bytes as a message.
        raw = _part_bytes(part)
        if not raw.strip():
            return ""
        inner = email.message_from_bytes(raw, policy=email.policy.default)
    lines = [_FORWARD_RULE]
    for name in ("From", "Date", "Subject"):
        value = " ".join(header_text(inner, name).split())
        if value:
            lines.append(f"{name}: {value}")
    body = _text_of(inner, depth + 1)
    return "\n".join(lines) + ("\n\n" + body if body else "")


def _mixed_text(part: Message, depth: int) -> str:
    """A multipart's inline parts one after the other (attached files left out, attached
    messages read); its attached text files only when nothing else has text."""
    children = _children(part)
    if part.get_content_subtype() == "related" and children:
        children = children[:1]  # the root part; the rest are its images
    pieces: list[str] = []
    attached: list[str] = []
    for child in children:
        kept_aside = _is_attachment(child) and child.get_content_type() not in (
            _ATTACHED_MESSAGE_TYPES
        )
        if kept_aside and child.get_content_maintype() != "text":
            continue
        text = _text_of(child, depth + 1)
        if text.strip():
            (attached if kept_aside else pieces).append(text)
    return "\n\n".join(pieces or attached)


def _text_of(part: Message, depth: int = 0, *, in_alternative: bool = False) -> str:
    if depth > _MAX_DEPTH:
        return ""
    content_type = part.get_content_type()
    maintype = part.get_content_maintype()
    if content_type in _ATTACHED_MESSAGE_TYPES:
        return _attached_message_text(part, depth)
    if maintype == "multipart":
        if not part.is_multipart():
            # Declared multipart with no parts found (no or wrong boundary): read it as text.
            return _single_text(part)
        if part.get_content_subtype() == "alternative":
            return _alternative_text(part, depth)
        return _mixed_text(part, depth)
    if maintype == "text" or part.get_content_subtype() in {"plain", "html"}:
        # "application/plain; charset=utf-8" (flanker's signed.eml) is text all the same.
        return _single_text(part)
    if depth == 0 and (part.get_filename() or "").lower().endswith(".txt"):
        # The whole message is one text file sent as application/octet-stream.
        return _single_text(part)
    return ""


def _body_text(msg: EmailMessage) -> str:
    """The body as a person reads it; never raises (broken MIME gives what can be read)."""
    try:
        return _text_of(_with_found_boundary(msg))
    except Exception:
        return _tidy_plain(decode_text(_part_bytes(msg), None)) if not msg.is_multipart() else ""


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


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs a header (or a line of text) names, in order."""
    # Stored ids are cut at 500 characters (Message.external_id): cut look-ups the same way.
    return [found[:500] for found in _MSGID_RE.findall(value or "")[:100]]


def message_id_of(msg: Message, raw: bytes) -> str:
    """The message's own id; a stable digest of its bytes when it has none, so that a
    re-delivery is still recognised."""
    found = message_ids(header_text(msg, "Message-ID"))
    return found[0] if found else f"<{hashlib.sha256(raw).hexdigest()}@sayso.no-message-id>"


def case_number_in(subject: str) -> int | None:
    """The case a ``[#123]`` token in a subject names (our replies' subjects carry one)."""
    token = _CASE_TOKEN_RE.search(subject)
    return int(token.group(1)) if token else None


# What the standard library's header parser raises on malformed headers (not always a
# ValueError: ``Message-ID: <<<>>>`` raises IndexError inside the parser).
_HEADER_ERRORS = (ValueError, TypeError, IndexError, AttributeError, email.errors.MessageError)


def _repaired(value: str) -> str:
    """A header written in raw 8-bit bytes (not RFC 2047) is read by the standard library as
    surrogate escapes; read those bytes again as UTF-8 or, failing that, as windows-1252 (the
    usual raw header charset: "Ingo L\xfctkebohle")."""
    data = value.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = sum(byte >= 0x80 for byte in data)
    as_utf8 = data.decode("utf-8", errors="replace")
    if as_utf8.count("\ufffd") * 4 < high:
        # UTF-8 with a broken sequence or two (a header cut mid-character): drop those.
        return as_utf8.replace("\ufffd", "")
    return data.decode("cp1252", errors="replace")


def header_text(msg: Message, name: str) -> str:
    """One header as text, without NUL characters (PostgreSQL refuses them); raw 8-bit bytes are
    repaired; a header the structured parser chokes on is read as its raw text instead."""
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return ""
    raw = str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        text = _repaired(raw)
        try:
            value = str(email.policy.default.header_factory(name, text))
        except _HEADER_ERRORS:
            value = " ".join(text.split())
    else:
        try:
            value = str(msg.get(name, "") or "")
        except _HEADER_ERRORS:
            value = raw.encode("utf-8", errors="replace").decode("utf-8")
    return value.replace("\x00", "")


_BOUNDARY_DEFECTS = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.NoBoundaryInMultipartDefect,
)
# A delimiter line ("--" boundary, "--" more at the end of the last part), in printable ASCII
# (wider than RFC 2046's characters, as mailers write them), the shortest reading first so
# the closing "--" is not taken into the boundary.
_BOUNDARY_LINE = re.compile(rb"^--([!#-~][ !#-~]{0,69}?)(?:--)?[ \t]*\r?$", re.M)


def _with_found_boundary(msg: EmailMessage) -> EmailMessage:
    """A multipart message whose declared boundary is missing or is not the one its body uses
    (a mailer's bug): read again with the boundary its body's delimiter lines show, so that
    its parts are read as parts and not as one text with their headers in it. The message as
    it was when the body shows no such line or the new reading is no better."""
    if not msg.is_multipart() and msg.get_content_maintype() != "multipart":
        return msg
    if not any(isinstance(defect, _BOUNDARY_DEFECTS) for defect in msg.defects):
        return msg
    payload = msg.get_payload()
    if not isinstance(payload, str):
        return msg
    # The body as the parser kept it (raw 8-bit bytes as surrogate escapes).
    body = payload.encode("utf-8", errors="surrogateescape")
    separator = b"\n\n"
    found = [match.group(1) for match in _BOUNDARY_LINE.finditer(body)]
    if not found or (found.count(found[0]) < 2 and b"--" + found[0] + b"--" not in body):
        return msg
    head = f'Content-Type: {msg.get_content_type()}; boundary="'.encode("ascii")
    try:
        reread = email.message_from_bytes(
            head + found[0] + b'"' + separator + body, policy=email.policy.default
        )
    except Exception:  # the parser is lenient; anything it raises means: keep the first reading
        return msg
    if not isinstance(reread, EmailMessage) or not reread.is_multipart():
        return msg
    if any(isinstance(defect, _BOUNDARY_DEFECTS) for defect in reread.defects):
        return msg
    return reread


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
    from_header = header_text(msg, "From")
    to_header = header_text(msg, "To")
    subject = header_text(msg, "Subject")
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
    message_id = message_id_of(msg, bytes(raw))
    date = None
    try:
        date_header = header_text(msg, "Date")
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
        in_reply_to=message_ids(header_text(msg, "In-Reply-To")),
        references=message_ids(header_text(msg, "References")),
        to=[addr.lower() for _, addr in getaddresses([to_header]) if addr][:50],
    )
