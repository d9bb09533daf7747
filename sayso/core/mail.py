"""Email out, as the bottom of the system sees it.

Every email Sayso sends goes through the outbox (``sayso/notifications/outbox.py``: a row
first, sent by a background task after commit, retried, its delivery recorded). ``core``
sits below every app and cannot import it, yet core sends mail of its own (a staff
invitation, a password reset). So the outbox plugs itself in here, in the notifications app's
``AppConfig.ready`` (``mail_queue_register``), and core queues its mail through ``mail_queue``,
which hands every field to the outbox's ``mail_queue`` unchanged.

Also here, for every app: ``MailKind`` (the kinds of mail the outbox knows, the choices of
``OutgoingMail.kind``) and ``new_message_id`` (a fresh Message-ID on Sayso's email domain).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class MailKind(models.TextChoices):
    REPLY = "reply", "Reply to a customer"
    ALERT = "alert", "Alert for staff"
    SIGN_IN = "sign_in", "Portal sign-in link"
    CLAIM = "claim", "Address confirmation link"
    INVITATION = "invitation", "Staff invitation"
    PASSWORD_RESET = "password_reset", "Password reset"
    DIGEST = "digest", "Daily digest"
    FOLLOW = "follow", "Follower notice"
    STATUS = "status", "Status page notice"
    OUTREACH = "outreach", "Outreach"


def new_message_id() -> str:
    """A new, unique Message-ID: ``<random hex@SAYSO_EMAIL_DOMAIN>``."""
    return f"<{uuid.uuid4().hex}@{settings.SAYSO_EMAIL_DOMAIN}>"


MailQueue = Callable[..., Any]

_queue: list[MailQueue] = []


def mail_queue_register(queue: MailQueue) -> None:
    """The outbox's ``mail_queue`` (called once, by the notifications app's ``ready``)."""
    _queue[:] = [queue]


def mail_queue(**fields: Any) -> Any:
    """Queue one email in the outbox, in the caller's transaction (sent after it commits):
    the keyword arguments and the returned row are those of
    ``sayso.notifications.outbox.mail_queue``."""
    if not _queue:
        raise ImproperlyConfigured(
            "No outbox to send mail through: sayso.notifications is not an installed app."
        )
    return _queue[0](**fields)
