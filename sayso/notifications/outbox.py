"""The outbox: every email Sayso sends is an ``OutgoingMail`` row first, sent by the background
engine, never inside a web request (docs/email.md, "Outgoing mail").

``mail_queue`` writes the row in the caller's transaction and enqueues the send task once that
transaction commits, so a rolled-back action sends nothing and a committed one is never lost
(the periodic ``mail_send_due`` sweep picks up a row whose task never ran). ``mail_send``
claims the row with a conditional UPDATE (queued/retrying and due, or "sending" past its
lease) that commits *before* the SMTP exchange starts: two workers never both hold a row,
and a worker that dies mid-exchange leaves a row the sweep takes again after the lease.

Failures: a temporary one (an SMTP 4xx, a refused or dropped connection, a timeout, a
rejected login) puts the row in ``retrying`` with exponential back-off
(``SAYSO_MAIL_RETRY_SECONDS`` doubling up to ``SAYSO_MAIL_RETRY_MAX_SECONDS``) until
``SAYSO_MAIL_MAX_ATTEMPTS`` attempts, then ``failed``; an SMTP 5xx (the server refuses this
mail for good) or a mail that cannot be built is ``failed`` at once with the server's reason.

No double send, and the trade-off: the attempt is recorded (state ``sending``, attempt time)
and committed before talking to the server. If the worker dies after the server accepted the
mail but before the result was committed, the row is still ``sending``; after the lease the
sweep sends it again **with the same Message-ID**, generated once when the mail was queued.
SMTP offers no way to ask a server whether it already holds a message, so that mail may reach
the recipient's server twice, identical to the byte; mail stores and clients treat one
Message-ID as one message, and Sayso's own inbound path stores a Message-ID once. Each
re-send counts as an attempt, so ``SAYSO_MAIL_MAX_ATTEMPTS`` also bounds the copies.

What an outcome means to the app that sent the mail (a reply's delivery on its case message,
an alert for its author) is that app's business: it registers a watcher for its kind of mail
(``delivery_watcher_register``, in its ``AppConfig.ready``), so the outbox imports no app above
it. Core's own mail comes in through ``sayso.core.mail``, which the notifications app points
at ``mail_queue``.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from sayso.core.mail import new_message_id
from sayso.core.services import audit_record
from sayso.core.task_engine import task_by_path
from sayso.notifications.models import Alert, MailKind, MailState, OutgoingMail

logger = logging.getLogger("sayso.mail")

# A queued row's own task normally sends it within seconds; the sweep leaves it this long
# before sending it itself (a task lost with a crashed worker or an emptied queue).
QUEUED_GRACE = timedelta(seconds=60)
SWEEP_LIMIT = 500
ERASED_LINK_NOTE = "(This message held a one-time link; it is not kept once the mail is done.)"
DONE = (MailState.DELIVERED, MailState.FAILED)


class _Temporary(Exception):
    """The mail may go through later."""


class _Permanent(Exception):
    """The mail will never go through as it is."""


# The watchers of each kind of mail's outcome: ``watcher(mail)`` runs in the outbox's
# transaction each time a mail of that kind is delivered (or recorded as done without being
# sent), fails for good, or is queued again by a retry (state ``queued``).
DeliveryWatcher = Callable[[OutgoingMail], None]
_WATCHERS: dict[str, list[DeliveryWatcher]] = {}


def delivery_watcher_register(kind: str, watcher: DeliveryWatcher) -> None:
    """Have ``watcher`` told of every outcome of the mail of ``kind`` (a ``MailKind``)."""
    if kind not in MailKind.values:
        raise ValueError(f"Unknown kind of mail: {kind!r}")
    watchers = _WATCHERS.setdefault(kind, [])
    if watcher not in watchers:
        watchers.append(watcher)


def _tell_watchers(mail: OutgoingMail) -> None:
    for watcher in _WATCHERS.get(mail.kind, ()):
        watcher(mail)


def mail_queue(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    organization: Any = None,
    html: str = "",
    from_email: str = "",
    reply_to: str = "",
    headers: dict[str, str] | None = None,
    message_id: str = "",
    key: str = "",
    case_message: Any = None,
    case: Any = None,
    alert: Any = None,
    send_before: datetime | None = None,
    secret: bool = False,
) -> OutgoingMail:
    """Queue one email; it is sent after the caller's transaction commits. Queuing the same
    ``key`` of the same ``kind`` again returns the first row and sends nothing more (a task
    or a request run twice). A mail with no address is recorded as failed."""
    if kind not in MailKind.values:
        raise ValueError(f"Unknown kind of mail: {kind!r}")
    key = key[:200]
    if key:
        existing = OutgoingMail.objects.filter(kind=kind, key=key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    to = to.strip()
    fields: dict[str, Any] = {
        "organization": organization,
        "kind": kind,
        "key": key,
        "recipient": to[:320],
        "from_email": from_email[:500],
        "reply_to": reply_to[:320],
        "subject": " ".join(subject.split())[:500],
        "body": body,
        "html": html,
        "headers": dict(headers or {}),
        "message_id": message_id or new_message_id(),
        "case_message": case_message,
        "case": case if case is not None else getattr(case_message, "case", None),
        "alert": alert,
        "send_before": send_before,
        "secret": secret,
        "next_attempt_at": now,
    }
    if not to:
        fields.update(state=MailState.FAILED, last_error="There is no address to send it to.")
    try:
        with transaction.atomic():
            mail = OutgoingMail.objects.create(**fields)
    except IntegrityError:
        if not key:
            raise
        return OutgoingMail.objects.get(kind=kind, key=key)
    if mail.state == MailState.QUEUED:
        _enqueue_after_commit(mail.pk)
    else:
        _mirror(mail)
    return mail


# The task that sends one mail (it calls ``mail_send``): enqueued by name, as services never
# import their app's tasks (docs/architecture.md, "The rules").
SEND_MAIL_TASK = "sayso.notifications.tasks.send_mail"


def _enqueue_after_commit(mail_id: int) -> None:
    send_mail = task_by_path(SEND_MAIL_TASK)
    transaction.on_commit(lambda: send_mail.enqueue(mail_id))


def _due(now: datetime) -> Q:
    lease = timedelta(seconds=settings.SAYSO_MAIL_SENDING_LEASE_SECONDS)
    return Q(state__in=[MailState.QUEUED, MailState.RETRYING], next_attempt_at__lte=now) | Q(
        state=MailState.SENDING, last_attempt_at__lt=now - lease
    )


def mail_send(*, mail_id: int, now: datetime | None = None) -> str:
    """Try to send one queued mail now; returns its state afterwards. A row another worker
    holds, one not due yet, or one already delivered or failed is left alone."""
    now = now or timezone.now()
    # The claim commits before the SMTP exchange (outside any transaction of the caller's
    # when there is none): the attempt is on record whatever happens next.
    claimed = (
        OutgoingMail.objects.filter(_due(now), pk=mail_id).update(
            state=MailState.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            updated_at=now,
        )
        == 1
    )
    mail = OutgoingMail.objects.filter(pk=mail_id).first()
    if mail is None:
        return ""
    if not claimed:
        return str(mail.state)
    if mail.send_before is not None and mail.send_before <= now:
        return _finish(mail, now, MailState.FAILED, error="Not sent: its link expired first.")
    try:
        response = _transmit(mail)
    except _Permanent as exc:
        return _finish(mail, now, MailState.FAILED, error=str(exc))
    except _Temporary as exc:
        if mail.attempts >= settings.SAYSO_MAIL_MAX_ATTEMPTS:
            error = f"Gave up after {mail.attempts} attempts; the last: {exc}"
            return _finish(mail, now, MailState.FAILED, error=error)
        return _finish(mail, now, MailState.RETRYING, error=str(exc))
    return _finish(mail, now, MailState.DELIVERED, response=response)


def _backoff(attempts: int) -> timedelta:
    base = max(0, settings.SAYSO_MAIL_RETRY_SECONDS)
    cap = max(base, settings.SAYSO_MAIL_RETRY_MAX_SECONDS)
    return timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 30)))


def _finish(
    mail: OutgoingMail, claimed_at: datetime, state: str, *, error: str = "", response: str = ""
) -> str:
    """Record the attempt's outcome, unless another worker took the row meanwhile (this
    worker outlived its lease): then that worker's attempt is the one on record."""
    now = timezone.now()
    changes: dict[str, Any] = {"state": state, "last_error": error[:1000], "updated_at": now}
    if state == MailState.DELIVERED:
        changes.update(delivered_at=now, smtp_response=response[:1000])
    if state == MailState.RETRYING:
        # Counted from the start of this attempt, so the waits are the back-off's own.
        changes["next_attempt_at"] = claimed_at + _backoff(mail.attempts)
    if state in DONE and mail.secret:
        changes.update(body=ERASED_LINK_NOTE, html="")
    recorded = OutgoingMail.objects.filter(
        pk=mail.pk, state=MailState.SENDING, last_attempt_at=claimed_at
    ).update(**changes)
    if not recorded:
        return str(OutgoingMail.objects.values_list("state", flat=True).get(pk=mail.pk))
    for name, value in changes.items():
        setattr(mail, name, value)
    if state == MailState.FAILED:
        logger.warning("Mail %s (%s) failed: %s", mail.pk, mail.kind, error)
    _mirror(mail)
    return state


def _mirror(mail: OutgoingMail) -> None:
    """What a delivered or failed mail means elsewhere: an alert's ``emailed_at``, and what the
    watchers of its kind make of it (a reply's delivery fields, an alert for its author)."""
    if mail.state not in DONE:
        return
    if mail.state == MailState.DELIVERED and mail.alert_id is not None:
        Alert.objects.filter(pk=mail.alert_id, emailed_at__isnull=True).update(
            emailed_at=mail.delivered_at
        )
    _tell_watchers(mail)


def build_email(mail: OutgoingMail) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.from_email or None,
        to=[mail.recipient],
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers={
            **{str(k): str(v) for k, v in mail.headers.items()},
            "Message-ID": mail.message_id,
        },
    )
    if mail.html:
        email.attach_alternative(mail.html, "text/html")
    return email


def _transmit(mail: OutgoingMail) -> str:
    """Hand the mail to the configured email backend; the server's answer to DATA where it
    is an SMTP server. Raises ``_Temporary`` or ``_Permanent``."""
    try:
        email = build_email(mail)
        email.message()  # a header that cannot be written fails here, not half-way
    except (ValueError, UnicodeError) as exc:
        raise _Permanent(f"The mail cannot be built: {exc}") from exc
    response = ""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        smtp = getattr(connection, "connection", None)
        if isinstance(smtp, smtplib.SMTP):
            data = smtp.data

            def data_recording(msg: Any) -> tuple[int, bytes]:
                nonlocal response
                code, text = data(msg)
                response = f"{code} {text.decode('utf-8', 'replace')}"
                return code, text

            smtp.data = data_recording  # type: ignore[method-assign]
        sent = connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = [(code, _text(text)) for code, text in exc.recipients.values()]
        reason = "; ".join(f"{code} {text}" for code, text in reasons)
        if reasons and all(500 <= code < 600 for code, _ in reasons):
            raise _Permanent(f"Refused by the mail server: {reason}") from exc
        raise _Temporary(f"Deferred by the mail server: {reason}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        # Sayso's own credentials, not this mail: it goes once they are fixed.
        raise _Temporary(f"The mail server refused Sayso's login: {_smtp_reason(exc)}") from exc
    except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as exc:
        # Refused before any mail was named (a greeting of 554, a busy server): not this mail.
        raise _Temporary(f"The mail server refused the connection: {_smtp_reason(exc)}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise _Permanent(f"Refused by the mail server: {_smtp_reason(exc)}") from exc
        raise _Temporary(f"Deferred by the mail server: {_smtp_reason(exc)}") from exc
    except (smtplib.SMTPException, OSError) as exc:  # connection refused, dropped, timed out
        raise _Temporary(f"Could not reach the mail server: {exc or type(exc).__name__}") from exc
    except (ValueError, UnicodeError) as exc:
        raise _Permanent(f"The mail cannot be sent: {exc}") from exc
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    if not sent:
        raise _Temporary("The email backend did not send it.")
    return response or "accepted"


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _smtp_reason(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()


def mail_send_due(*, now: datetime | None = None) -> int:
    """The periodic sweep: enqueue a send of every mail that is due — a retry whose time has
    come, a queued mail whose own task never ran, a mail left "sending" past its lease by a
    worker that died. Returns how many were enqueued; running it twice does no harm (the
    claim lets one send through)."""
    send_mail = task_by_path(SEND_MAIL_TASK)
    now = now or timezone.now()
    due = (
        OutgoingMail.objects.filter(_due(now))
        .exclude(state=MailState.QUEUED, created_at__gt=now - QUEUED_GRACE)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    ids = list(due)
    for mail_id in ids:
        send_mail.enqueue(mail_id)
    return len(ids)


@transaction.atomic
def mail_retry(*, mail: OutgoingMail, actor: Any) -> OutgoingMail:
    """Staff's "retry": a failed (or waiting) mail is queued again now, with a fresh count of
    attempts and the same Message-ID. A mail whose one-time link was erased cannot be."""
    from django.core.exceptions import ValidationError

    locked = OutgoingMail.objects.select_for_update().get(pk=mail.pk)
    if locked.state not in (MailState.FAILED, MailState.RETRYING):
        raise ValidationError("Only a failed mail, or one waiting to be retried, can be retried.")
    if locked.secret and locked.body == ERASED_LINK_NOTE:
        raise ValidationError("This mail held a one-time link that is gone: ask for a new one.")
    locked.state = MailState.QUEUED
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.last_error = ""
    locked.save(update_fields=["state", "attempts", "next_attempt_at", "last_error", "updated_at"])
    _tell_watchers(locked)  # queued again: a reply's old error no longer holds
    if locked.organization is not None:
        audit_record(organization=locked.organization, actor=actor, action="mail.retry", obj=locked)
    _enqueue_after_commit(locked.pk)
    return locked


def mail_mark_not_sent(*, organization: Any, reason: str) -> int:
    """Record the organization's waiting mail as done without sending it (the demo's made-up
    people): state ``delivered`` with ``reason`` as the server's answer, so no worker sends it
    and the case shows it as gone. Returns how many."""
    now = timezone.now()
    waiting = OutgoingMail.objects.filter(
        organization=organization, state__in=[MailState.QUEUED, MailState.RETRYING]
    )
    watched = list(waiting.filter(kind__in=list(_WATCHERS)))
    changes = {"state": MailState.DELIVERED, "delivered_at": now, "smtp_response": reason[:1000]}
    done = waiting.update(**changes, updated_at=now)
    for mail in watched:
        for name, value in changes.items():
            setattr(mail, name, value)
        _tell_watchers(mail)
    return done


def mail_prune(*, now: datetime | None = None) -> int:
    """Delete delivered mail older than ``SAYSO_MAIL_KEEP_DAYS`` (a reply keeps its
    ``delivered_at`` on the message); failed mail stays until someone retries or the
    organization is deleted. Returns how many rows went."""
    days = settings.SAYSO_MAIL_KEEP_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = OutgoingMail.objects.filter(
        state=MailState.DELIVERED, delivered_at__lt=cutoff
    ).delete()
    return deleted


# --- reads ------------------------------------------------------------------------------------


def mail_of_messages(*, organization: Any, message_ids: list[int]) -> dict[int, OutgoingMail]:
    """The newest outgoing mail of each of these case messages (one query)."""
    found: dict[int, OutgoingMail] = {}
    rows = OutgoingMail.objects.filter(
        organization=organization, case_message_id__in=message_ids
    ).order_by("id")
    for mail in rows:
        if mail.case_message_id is not None:
            found[mail.case_message_id] = mail
    return found


def mail_of_message(message: Any) -> OutgoingMail | None:
    """The newest outgoing mail of one case message (None for a message not emailed); reads
    what ``with_delivery`` prefetched when it did."""
    if message.direction != "outbound" or message.channel != "email":
        return None
    cache = getattr(message, "_prefetched_objects_cache", {})
    if "outgoing_mails" in cache:
        mails = list(cache["outgoing_mails"])
        return max(mails, key=lambda mail: mail.pk) if mails else None
    found: OutgoingMail | None = message.outgoing_mails.order_by("-id").first()
    return found


def with_delivery(messages: QuerySet[Any]) -> QuerySet[Any]:
    """``messages`` with their outgoing mail read in one more query (for lists)."""
    return messages.prefetch_related("outgoing_mails")


def mail_needing_attention(*, organization: Any) -> QuerySet[OutgoingMail]:
    """The organization's mail that failed or waits to be retried, newest first."""
    return (
        OutgoingMail.objects.filter(
            organization=organization, state__in=[MailState.FAILED, MailState.RETRYING]
        )
        .select_related("case")
        .order_by("-updated_at", "-id")
    )


def mail_get(*, organization: Any, mail_id: int) -> OutgoingMail | None:
    return OutgoingMail.objects.filter(organization=organization, pk=mail_id).first()
