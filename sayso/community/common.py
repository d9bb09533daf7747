"""Small rules every part of the community shares: a post's digest (the same text twice is one
post), one organization per action, a customer record that was not merged away."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.core.exceptions import ValidationError

from sayso.customers.models import Customer

TITLE_MIN = 4
WHITESPACE = re.compile(r"\s+")


def digest(text: str) -> str:
    normalized = WHITESPACE.sub(" ", text.casefold()).strip()
    return hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()


def same_organization(organization_id: int, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.organization_id != organization_id:
            raise ValidationError("That belongs to another organization.")


def customer_active_check(customer: Customer | None) -> None:
    if customer is not None and customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another.")
