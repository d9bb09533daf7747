"""What the community's models share: text limits, and the states of a comment or an answer."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

TITLE_MAX = 160


BODY_MAX = 20_000


COMMENT_MAX = 10_000


REASON_MAX = 1_000


def exactly_one(*fields: str) -> Q:
    """A check condition: exactly one of ``fields`` is set."""
    condition = Q()
    for field in fields:
        each = Q(**{f"{field}__isnull": False})
        for other in fields:
            if other != field:
                each &= Q(**{f"{other}__isnull": True})
        condition |= each
    return condition


class CommentState(models.TextChoices):
    VISIBLE = "visible", "Visible"
    SPAM = "spam", "Spam"  # held by the spam filter or by staff; never public
    HIDDEN = "hidden", "Hidden"  # hidden by staff for abuse or personal data, logged publicly
