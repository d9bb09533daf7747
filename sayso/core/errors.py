"""A refusal (``ValidationError``) as the one line a person reads: a page's message, a
command's error, a log line. ``core.web`` re-exports ``errors_text`` for the views; commands
and services import it from here."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def errors_text(exc: ValidationError) -> str:
    """A ``ValidationError``'s messages as one line."""
    return " ".join(exc.messages)
