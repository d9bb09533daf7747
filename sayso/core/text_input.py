"""The one check of a text field written by a person (a title, a body, a name): NUL bytes
removed, spaces trimmed, not empty when required, not longer than allowed — with a message that
says which field and by how much. Services call it; forms and API schemas only bound sizes."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def clean_text(
    value: str | None, *, field: str, maximum: int, required: bool = True, minimum: int = 1
) -> str:
    text = (value or "").replace("\x00", "").strip()
    if required and len(text) < minimum:
        if minimum <= 1:
            raise ValidationError({field: f"The {field} is empty."})
        raise ValidationError({field: f"The {field} needs at least {minimum} characters."})
    if len(text) > maximum:
        raise ValidationError({field: f"The {field} is too long ({len(text):,} of {maximum:,})."})
    return text
