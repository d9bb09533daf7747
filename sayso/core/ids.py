"""What an id is, for everything that takes one: an integer from 1 to ``MAX_ID`` (2**63 - 1,
what a 64-bit signed id column holds). The web and the API guard ids from requests with it
(``core.web.object_id`` / ``get_or_404``, re-exporting these), and selectors and services that
take an id from a caller check it with the same bound, so an id out of range is not found
rather than a query the database cannot run."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest value of a 64-bit signed id column


def is_object_id(value: object) -> bool:
    """Whether ``value`` is an id an object can have: an integer from 1 to 2**63 - 1 (a string
    of digits counts; a bool does not)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return False
        value = int(text)
    return isinstance(value, int) and 0 < value <= MAX_ID
