"""The guard a staff reply goes through when it is outreach.

A reply in a case the customer did not open (staff started it and the customer has not written
in it, ``selectors.case_opened_by_customer``) reaches someone who did not ask to hear from the
organization, so their consent, quiet hours and weekly limit decide whether it leaves. That
check is the consent app's (``sayso.consent.guard.outreach_reply``), above conversations: it
registers itself here in its ``AppConfig.ready`` (``reply_guard_register``), and
``services.message_reply`` hands such a reply to it without importing consent.

Fails closed: with no guard registered, an outreach reply is refused (``ValidationError``),
never sent unchecked.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ValidationError

NO_GUARD = (
    "The customer did not open this case, and no outreach guard is installed to check their "
    "consent: the reply was not sent."
)


class ReplyGuard(Protocol):
    def __call__(self, *, case: Any, author: Any, body: str) -> Any:
        """Send the reply through the guard and return the message sent, or raise a
        ``ValidationError`` saying why it was refused."""
        ...


_guard: dict[str, ReplyGuard] = {}


def reply_guard_register(guard: ReplyGuard) -> None:
    """Make ``guard`` the one outreach replies go through (the consent app's, from its
    ``AppConfig.ready``); a second registration replaces the first."""
    _guard["outreach"] = guard


def reply_guard() -> ReplyGuard:
    """The registered guard; raises ``ValidationError`` when there is none (fail closed)."""
    guard = _guard.get("outreach")
    if guard is None:
        raise ValidationError(NO_GUARD)
    return guard
