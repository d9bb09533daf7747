"""Recognising mail that no person wrote: bounces, delay notices, read receipts, abuse
reports, auto-replies (out of office) and bulk or list mail.

``automated_mail_recognise`` reads the headers (and, for reports, the machine-readable
parts) of a raw message with the standard library and answers an ``AutomatedVerdict`` —
what kind of automated mail it is and why, in words a staff member understands — or None for
mail a person wrote. It never raises: a message too broken to read is left to the normal
inbound path, which says why it cannot be stored.

What is recognised, in order (the first rule that holds wins):

1. RFC 3464 delivery-status reports (``multipart/report; report-type=delivery-status``, or a
   ``message/delivery-status`` part): ``Action: failed`` is a bounce, ``delayed`` a delay,
   anything else (delivered, relayed, expanded) a delivery notice.
2. RFC 5965 abuse reports (``message/feedback-report``) and RFC 8098 read receipts
   (``message/disposition-notification``).
3. Non-standard bounces: a sender that is ``mailer-daemon`` (or is named "Mail Delivery
   Subsystem"/"Mail Delivery System"/"MAILER DAEMON"), or ``postmaster`` with a subject
   about undelivered mail. A person who writes from ``postmaster@`` about something else is
   not swallowed.
4. Auto-replies: ``Auto-Submitted: auto-replied``, ``X-Autoreply``/``X-Autorespond``, or an
   out-of-office subject ("Out of office:", "Automatic reply:", "Abwesenheitsnotiz:",
   "Réponse automatique :", …) — only as the subject's prefix, never words in the body.
5. Any other ``Auto-Submitted`` value but "no" (RFC 3834): an automated notice.
6. Bulk and list mail: ``Precedence: bulk/junk/list``, ``List-Id``, ``List-Unsubscribe``.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.message import Message as MimeMessage
from email.utils import getaddresses, parseaddr
from typing import TypedDict

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from sayso.conversations.models import (
    AutomatedMail,
    Case,
    Channel,
    Direction,
    Message,
    Visibility,
)
from sayso.core.models import Organization
from sayso.customers.models import IdentityKind

BOUNCE = "bounce"
DELAY = "delay"
DELIVERY_NOTICE = "delivery_notice"
READ_RECEIPT = "read_receipt"
ABUSE_REPORT = "abuse_report"
AUTO_REPLY = "auto_reply"
NOTICE = "notice"
BULK = "bulk"

_CASE_TOKEN_RE = re.compile(r"\[#(\d{1,9})\]")
_MSGID_RE = re.compile(r"<[^<>\s]+>")
_STATUS_RE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_DAEMON_NAME_RE = re.compile(r"^\s*(mail delivery (sub)?system|mailer[ -]?daemon)\s*$", re.I)
_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|undelivered|delivery (status )?notification|delivery (has )?failed|"
    r"returned mail|failure notice|delivery failure|could not be delivered|non[- ]?delivery",
    re.I,
)
_DELAY_SUBJECT_RE = re.compile(r"delayed|still being retried|warning: could not send", re.I)
# Out-of-office subjects: the phrase must open the subject and end at a colon or at the end
# (Outlook "Automatic reply: …", Gmail "Out of Office: …", Exchange in other languages).
_OOO_SUBJECT_RE = re.compile(
    r"^\s*(auto(matic|matische|matisk)?[ -]?(reply|response|antwort|svar|answer)|autoreply|"
    r"out of (the )?office|ooo|abwesenheitsnotiz|abwesend|"
    r"r[ée]ponse automatique|absent(e)? du bureau|"
    r"respuesta autom[áa]tica|fuera de la oficina|risposta automatica|fuori sede|"
    r"automatisch antwoord|afwezig|autosvar|fr[åa]nvaro|"
    r"automatyczna odpowied[źz]|poza biurem|resposta autom[áa]tica|fora do escrit[óo]rio)"
    r"\s*(:|$)",
    re.I,
)
_AWAY_UNTIL_RE = re.compile(
    r"\b(?:until|till|back on|back in the office on|returning on|return on|i will return on|"
    r"bis(?: zum| am)?|jusqu'au|jusqu\u2019au|hasta el|hasta|fino al|tot en met|tot)\s+"
    r"([^\n.;!?]{3,60})",
    re.I,
)
_READ_LIMIT = 20_000


class _Identity(TypedDict):
    message_id: str
    sender: str
    subject: str


@dataclass(frozen=True)
class AutomatedVerdict:
    """What an automated message is, and why Sayso thinks so."""

    kind: str
    reason: str
    message_id: str
    sender: str = ""
    subject: str = ""
    # Bounces, delays, read receipts and abuse reports: the messages they report on (from the
    # returned headers, the report's fields, In-Reply-To and References) and the recipients.
    reported_message_ids: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    status: str = ""
    diagnostic: str = ""
    # Auto-replies: the return date as the text gives it ("Monday 14 December"), if any.
    away_until: str = ""

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


KIND_LABELS = {
    BOUNCE: "Bounce (not delivered)",
    DELAY: "Delivery delayed",
    DELIVERY_NOTICE: "Delivery notice",
    READ_RECEIPT: "Read receipt",
    ABUSE_REPORT: "Abuse report",
    AUTO_REPLY: "Auto-reply",
    NOTICE: "Automated notice",
    BULK: "Bulk or list mail",
}


def _text(value: object) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())


def _header(msg: MimeMessage, name: str) -> str:
    """One header as text; a header the structured parser chokes on is read raw."""
    try:
        return _text(msg.get(name, ""))
    except Exception:  # the header parser raises many kinds of error on broken input
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
        return _text(str(raw).encode("utf-8", errors="replace").decode("utf-8"))


def _ids(value: str) -> list[str]:
    return [found[:500] for found in _MSGID_RE.findall(value or "")[:100]]


def _address(value: str) -> str:
    address = value.split(";", 1)[-1].strip().strip("<>").strip()
    return address.lower()[:320]


def _fields(part: MimeMessage) -> list[MimeMessage]:
    """The field blocks of a report part (a delivery-status has one per message and one per
    recipient); the parser gives them as sub-messages, or leaves them as text."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, MimeMessage)]
    if isinstance(payload, str):
        blocks = re.split(r"\r?\n\s*\r?\n", payload)
        return [email.message_from_string(block.strip() + "\n") for block in blocks if block]
    return []


def _returned_headers(part: MimeMessage) -> MimeMessage | None:
    """The headers of the returned original in a ``text/rfc822-headers`` or
    ``message/rfc822`` part."""
    kind = part.get_content_type()
    if kind == "message/rfc822":
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], MimeMessage):
            return payload[0]
        return None
    if kind in ("text/rfc822-headers", "message/rfc822-headers"):
        raw = part.get_payload(decode=True)
        if isinstance(raw, bytes):
            return email.message_from_bytes(raw[:_READ_LIMIT], policy=email.policy.compat32)
    return None


def _plain_text(msg: MimeMessage) -> str:
    """The first text/plain part's text, for phrases a report writes in words."""
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    return raw[:_READ_LIMIT].decode(charset, errors="replace")
                except LookupError:
                    return raw[:_READ_LIMIT].decode("utf-8", errors="replace")
    return ""


@dataclass
class _Report:
    reported: list[str]
    recipients: list[str]
    actions: list[str]
    statuses: list[str]
    diagnostics: list[str]
    feedback_type: str = ""
    disposition: str = ""
    delivery_status: bool = False
    feedback: bool = False
    receipt: bool = False


_FIELD_RE = re.compile(
    r"^(Action|Status|Diagnostic-Code|Final-Recipient|Original-Recipient)[ \t]*:[ \t]*(.+)$",
    re.I | re.M,
)


def _report_fields_from_text(report: _Report, text: str) -> None:
    for name, value in _FIELD_RE.findall(text):
        name = name.lower()
        if name == "action":
            report.actions.append(_text(value).lower())
        elif name == "status":
            report.statuses.append(_text(value))
        elif name == "diagnostic-code":
            report.diagnostics.append(_text(value))
        else:
            report.recipients.append(_address(_text(value)))


def _read_report(msg: MimeMessage) -> _Report:
    report = _Report([], [], [], [], [])
    if msg.get_content_type() == "multipart/report":
        # The declared report type counts even when the report part itself is missing.
        declared = str(msg.get_param("report-type", "") or "").lower()
        report.delivery_status = declared == "delivery-status"
        report.feedback = declared == "feedback-report"
        report.receipt = declared == "disposition-notification"
    if report.delivery_status and isinstance(msg.get_payload(), str):
        # A report whose MIME structure is broken (a cut boundary): read its fields as text.
        _report_fields_from_text(report, str(msg.get_payload())[:_READ_LIMIT])
        return report
    parts = [msg]
    if msg.is_multipart():
        payload = msg.get_payload()
        parts += (
            [p for p in payload if isinstance(p, MimeMessage)] if isinstance(payload, list) else []
        )
    for part in parts:
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            report.delivery_status = True
            for block in _fields(part):
                if block.get("Action"):
                    report.actions.append(_text(block.get("Action")).lower())
                if block.get("Status"):
                    report.statuses.append(_text(block.get("Status")))
                if block.get("Diagnostic-Code"):
                    report.diagnostics.append(_text(block.get("Diagnostic-Code")))
                for name in ("Original-Recipient", "Final-Recipient"):
                    if block.get(name):
                        report.recipients.append(_address(_text(block.get(name))))
                        break
        elif kind == "message/feedback-report":
            report.feedback = True
            for block in _fields(part):
                report.feedback_type = report.feedback_type or _text(block.get("Feedback-Type"))
                report.reported += _ids(_text(block.get("Original-Message-ID")))
        elif kind == "message/disposition-notification":
            report.receipt = True
            for block in _fields(part):
                report.disposition = report.disposition or _text(block.get("Disposition"))
                report.reported += _ids(_text(block.get("Original-Message-ID")))
                if block.get("Final-Recipient"):
                    report.recipients.append(_address(_text(block.get("Final-Recipient"))))
        else:
            returned = _returned_headers(part) if part is not msg else None
            if returned is not None:
                report.reported += _ids(_header(returned, "Message-ID"))
                if not report.recipients:
                    report.recipients += [
                        a.lower() for _, a in getaddresses([_header(returned, "To")]) if a
                    ]
    return report


def message_id_of(msg: MimeMessage, raw: bytes) -> str:
    """The message's own id; a stable digest of the bytes when it has none."""
    found = _ids(_header(msg, "Message-ID"))
    return found[0] if found else f"<{hashlib.sha256(raw).hexdigest()}@sayso.no-message-id>"


def _bounce_text_details(text: str) -> tuple[list[str], list[str]]:
    """Message-IDs and a status code a non-standard bounce writes in its text."""
    ids = [
        found
        for line in text.splitlines()
        if line.lower().lstrip().startswith("message-id:")
        for found in _ids(line)
    ]
    statuses = [match.group(1) for match in _STATUS_RE.finditer(text)][:1]
    return ids, statuses


def _away_until(text: str) -> str:
    match = _AWAY_UNTIL_RE.search(text[:3000])
    return _text(match.group(1))[:80] if match else ""


def automated_mail_recognise(raw: bytes | EmailMessage) -> AutomatedVerdict | None:
    """What kind of automated mail this is and why, or None when a person wrote it.

    Never raises: mail too broken to read is None here (the inbound path refuses it)."""
    try:
        return _recognise(raw)
    except Exception:  # broken MIME must not stop intake; the normal path judges it
        return None


def _recognise(raw: bytes | EmailMessage) -> AutomatedVerdict | None:
    if isinstance(raw, MimeMessage):
        msg: MimeMessage = raw
        data = bytes(raw)
    else:
        data = bytes(raw)
        msg = email.message_from_bytes(data, policy=email.policy.default)
    if not msg.keys():
        return None
    from_header = _header(msg, "From")
    name, address = parseaddr(from_header)
    address = address.lower()
    local = address.split("@", 1)[0]
    subject = _header(msg, "Subject")[:300]
    base = _Identity(message_id=message_id_of(msg, data), sender=address[:320], subject=subject)
    threading = _ids(_header(msg, "In-Reply-To")) + list(reversed(_ids(_header(msg, "References"))))
    report = _read_report(msg)
    reported = tuple(dict.fromkeys(report.reported + threading))
    recipients = tuple(dict.fromkeys(r for r in report.recipients if r))

    if report.delivery_status:
        status = report.statuses[0] if report.statuses else ""
        diagnostic = report.diagnostics[0][:300] if report.diagnostics else ""
        who = ", ".join(recipients) or "the recipient"
        if any(action.startswith("failed") for action in report.actions) or (
            not report.actions and status.startswith("5")
        ):
            return AutomatedVerdict(
                kind=BOUNCE,
                reason=f"Delivery status report (RFC 3464): the message to {who} could not "
                f"be delivered"
                + (f" (status {status}" if status else "")
                + (f": {diagnostic})" if diagnostic and status else ")" if status else "")
                + ".",
                reported_message_ids=reported,
                recipients=recipients,
                status=status,
                diagnostic=diagnostic,
                **base,
            )
        if any(action.startswith("delayed") for action in report.actions) or (
            not report.actions and status.startswith("4")
        ):
            return AutomatedVerdict(
                kind=DELAY,
                reason=f"Delivery status report (RFC 3464): delivery to {who} is delayed; "
                "the mail server is still trying" + (f" (status {status})" if status else "") + ".",
                reported_message_ids=reported,
                recipients=recipients,
                status=status,
                diagnostic=diagnostic,
                **base,
            )
        return AutomatedVerdict(
            kind=DELIVERY_NOTICE,
            reason=f"Delivery status report (RFC 3464): {', '.join(report.actions) or 'notice'}"
            f" for {who}.",
            reported_message_ids=reported,
            recipients=recipients,
            status=status,
            **base,
        )
    if report.feedback:
        return AutomatedVerdict(
            kind=ABUSE_REPORT,
            reason="Abuse report (RFC 5965 feedback report"
            + (f", type “{report.feedback_type}”" if report.feedback_type else "")
            + "): a recipient's provider reports a message sent from here as unwanted.",
            reported_message_ids=reported,
            **base,
        )
    if report.receipt:
        return AutomatedVerdict(
            kind=READ_RECEIPT,
            reason="Read receipt (RFC 8098 disposition notification"
            + (f": {report.disposition}" if report.disposition else "")
            + ").",
            reported_message_ids=reported,
            recipients=recipients,
            **base,
        )
    daemon = local in ("mailer-daemon", "mailer_daemon") or bool(_DAEMON_NAME_RE.match(name))
    postmaster_bounce = local == "postmaster" and bool(_BOUNCE_SUBJECT_RE.search(subject))
    if daemon or postmaster_bounce:
        text = _plain_text(msg)
        ids, statuses = _bounce_text_details(text)
        # report.reported: the Message-IDs of returned message parts, if any.
        reported = tuple(dict.fromkeys(report.reported + ids + threading))
        status = statuses[0] if statuses else ""
        sender_words = "a mail server (mailer-daemon)" if daemon else "the postmaster"
        if _DELAY_SUBJECT_RE.search(subject):
            return AutomatedVerdict(
                kind=DELAY,
                reason=f"Delivery delayed: sent by {sender_words} with the subject "
                f"“{subject}”; the server is still trying.",
                reported_message_ids=reported,
                status=status,
                **base,
            )
        return AutomatedVerdict(
            kind=BOUNCE,
            reason=f"Undelivered mail returned by {sender_words}"
            + (f" with the subject “{subject}”" if subject else "")
            + (f" (status {status})" if status else "")
            + ".",
            reported_message_ids=reported,
            status=status,
            **base,
        )
    auto_submitted = _header(msg, "Auto-Submitted").lower()
    auto_submitted_value = auto_submitted.split(";", 1)[0].strip()
    autoreply_header = next(
        (
            header
            for header in ("X-Autoreply", "X-Autorespond", "X-Autorespond-Message")
            if msg.get(header) is not None
            and _header(msg, header).lower() not in ("no", "false", "0")
        ),
        "",
    )
    ooo_subject = bool(_OOO_SUBJECT_RE.match(subject))
    if auto_submitted_value == "auto-replied" or autoreply_header or ooo_subject:
        why = (
            "Auto-Submitted: auto-replied (RFC 3834)"
            if auto_submitted_value == "auto-replied"
            else f"the {autoreply_header} header"
            if autoreply_header
            else f"the out-of-office subject “{subject}”"
        )
        return AutomatedVerdict(
            kind=AUTO_REPLY,
            reason=f"Auto-reply recognised by {why}.",
            reported_message_ids=tuple(threading),
            away_until=_away_until(_plain_text(msg)),
            **base,
        )
    if auto_submitted_value and auto_submitted_value != "no":
        return AutomatedVerdict(
            kind=NOTICE,
            reason=f"Sent by a program, not a person (Auto-Submitted: {auto_submitted_value}, "
            "RFC 3834).",
            reported_message_ids=tuple(threading),
            **base,
        )
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        return AutomatedVerdict(
            kind=BULK,
            reason=f"Bulk or mailing-list mail (Precedence: {precedence}).",
            **base,
        )
    for header, words in (
        ("List-Id", "mailing-list mail"),
        ("List-Unsubscribe", "a newsletter or mailing-list mail"),
    ):
        if msg.get(header) is not None:
            value = _header(msg, header)[:120]
            return AutomatedVerdict(
                kind=BULK, reason=f"This is {words} ({header}: {value}).", **base
            )
    return None


# ---------------------------------------------------------------------------------------------
# Storing what was recognised.


def _reported_message(organization: Organization, verdict: AutomatedVerdict) -> Message | None:
    """The message an automated mail reports on or answers: by the Message-IDs it names
    (returned headers, report fields, In-Reply-To, References), the latest sent email first;
    for a bounce that names none, the latest email sent to a recipient it names (two weeks)."""
    ids = [found[:500] for found in verdict.reported_message_ids[:100]]
    found = (
        Message.objects.filter(
            organization=organization, channel=Channel.EMAIL, external_id__in=ids
        )
        .select_related("case", "author_user")
        .order_by(
            models.Case(models.When(direction=Direction.OUTBOUND, then=0), default=1),
            "-sent_at",
            "-id",
        )
        .first()
        if ids
        else None
    )
    if found is not None or verdict.kind not in (BOUNCE, DELAY) or not verdict.recipients:
        return found
    return (
        Message.objects.filter(
            organization=organization,
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            sent_at__gte=timezone.now() - timedelta(days=14),
            customer__identities__kind=IdentityKind.EMAIL,
            customer__identities__value__in=list(verdict.recipients[:50]),
        )
        .select_related("case", "author_user")
        .order_by("-sent_at", "-id")
        .first()
    )


def _case_by_token(organization: Organization, verdict: AutomatedVerdict) -> Case | None:
    """An auto-reply that names a case (``[#12]`` from our reply's subject) and comes from an
    address of that case's customer."""
    token = _CASE_TOKEN_RE.search(verdict.subject)
    if not token or not verdict.sender:
        return None
    return (
        Case.objects.filter(
            organization=organization,
            number=int(token.group(1)),
            customer__identities__kind=IdentityKind.EMAIL,
            customer__identities__value=verdict.sender,
        )
        .distinct()
        .first()
    )


def _details(verdict: AutomatedVerdict) -> dict[str, object]:
    details: dict[str, object] = {
        "reported_message_ids": list(verdict.reported_message_ids[:20]),
        "recipients": list(verdict.recipients[:20]),
        "status": verdict.status,
        "diagnostic": verdict.diagnostic,
        "away_until": verdict.away_until,
    }
    return {key: value for key, value in details.items() if value}


def _mark_undelivered(sent: Message, record: AutomatedMail, now: datetime) -> None:
    """A bounce of a sent reply: mark it undelivered with the reason and alert its author."""
    if sent.undelivered_at is None:
        sent.undelivered_at = now
        sent.delivery_error = f"Bounced: {record.reason}"[:500]
        sent.save(update_fields=["undelivered_at", "delivery_error", "updated_at"])
    if sent.author_user is not None:
        from sayso.notifications.models import AlertKind
        from sayso.notifications.services import alert_send

        alert_send(
            organization=sent.organization,
            recipient=sent.author_user,
            kind=AlertKind.MESSAGE_UNDELIVERED,
            text=f"Your reply on case #{sent.case.number} was not delivered: {record.reason}",
            dedupe_key=f"message-undelivered:{sent.pk}",
            case=sent.case,
        )


def _auto_reply_note(case: Case, record: AutomatedMail, verdict: AutomatedVerdict) -> None:
    """An auto-reply on a case: an internal note (it neither re-opens the case nor counts as
    the customer's answer)."""
    body = (
        f"auto-reply: away until {verdict.away_until}"
        if verdict.away_until
        else "auto-reply (out of office)"
    )
    body += f" — from {verdict.sender or 'an unknown sender'}"
    if verdict.subject:
        body += f", subject “{verdict.subject}”"
    Message.objects.create(
        organization=case.organization,
        case=case,
        customer=case.customer,
        direction=Direction.INTERNAL,
        channel=Channel.EMAIL,
        visibility=Visibility.INTERNAL,
        subject=verdict.subject[:300],
        body=body,
        external_id=verdict.message_id[:500],
        sent_at=record.received_at,
        headers={"automated": {"kind": verdict.kind, "reason": verdict.reason}},
    )


def automated_mail_receive(
    *, organization: Organization, verdict: AutomatedVerdict
) -> tuple[AutomatedMail, bool]:
    """Keep one recognised automated email for staff (idempotent on its Message-ID), linked to
    the sent message and case it reports on when they are found. A bounce marks that message
    undelivered and alerts its author; an auto-reply becomes an internal note on its case.
    Nothing here opens or re-opens a case or creates a customer."""
    external_id = verdict.message_id[:500]
    existing = AutomatedMail.objects.filter(
        organization=organization, external_id=external_id
    ).first()
    if existing is not None:
        return existing, False
    reported = _reported_message(organization, verdict)
    case = reported.case if reported is not None else None
    if case is None and verdict.kind == AUTO_REPLY:
        case = _case_by_token(organization, verdict)
    now = timezone.now()
    try:
        with transaction.atomic():
            record = AutomatedMail.objects.create(
                organization=organization,
                kind=verdict.kind,
                reason=verdict.reason[:500],
                sender=verdict.sender[:320],
                subject=verdict.subject[:300],
                external_id=external_id,
                received_at=now,
                case=case,
                reported_message=reported,
                details=_details(verdict),
            )
            if (
                verdict.kind == BOUNCE
                and reported is not None
                and reported.direction == Direction.OUTBOUND
            ):
                _mark_undelivered(reported, record, now)
            if verdict.kind == AUTO_REPLY and case is not None:
                _auto_reply_note(case, record, verdict)
    except IntegrityError:
        # The same mail delivered twice at once: the other delivery stored it.
        stored = AutomatedMail.objects.filter(
            organization=organization, external_id=external_id
        ).first()
        if stored is None:
            raise
        return stored, False
    return record, True
