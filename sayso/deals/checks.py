"""The checks every deals service makes of what it is given (lines, texts, currencies, amounts,
times in the future, staff members), the words it writes them in, and the errors the API
answers with its own status codes."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from sayso.core.models import Membership, Organization

MAX_AMOUNT = Decimal("9999999999.99")


class IntentClosed(ValidationError):
    """An offer or change on an intent that no longer takes them (the API's 409)."""


class DeadlineInPast(ValidationError):
    """A deadline or validity that has already passed (the API's 422)."""


class UnknownChoice(ValidationError):
    """A category or stage that is not the organization's (the API's 422)."""


# --- small checks ------------------------------------------------------------------------------


def category_key(name: str) -> str:
    """A category name folded for matching across organizations: "Truck  Rental" and
    "truck rental" are one category."""
    return " ".join((name or "").casefold().split())


def clean_line(value: str, *, field: str, maximum: int, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError(f"{field} is required.")
    if len(text) > maximum:
        raise ValidationError(f"{field} is {maximum} characters at most.")
    return text


def clean_text(value: str, *, field: str, maximum: int) -> str:
    text = (value or "").strip()
    if len(text) > maximum:
        raise ValidationError(f"{field} is {maximum} characters at most.")
    return text


def clean_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValidationError("A currency is a three-letter code such as USD or EUR.")
    return code


def clean_amount(value: Any, *, field: str, positive: bool) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} is not a number.") from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0) or amount > MAX_AMOUNT:
        raise ValidationError(f"{field} must be a positive amount.")
    return amount.quantize(Decimal("0.01"))


def clean_future(value: datetime, *, field: str) -> datetime:
    if timezone.is_naive(value):
        raise ValidationError(f"{field} needs a time zone.")
    if value <= timezone.now():
        raise DeadlineInPast(f"{field} must be in the future.")
    return value


def money_text(amount: Decimal | None, currency: str) -> str:
    return f"{amount:,.2f} {currency}" if amount is not None else "no amount"


def day_text(when: datetime) -> str:
    local = timezone.localtime(when)
    return f"{local:%-d %B %Y}"


def staff_member(organization: Organization, user: Any) -> Membership:
    membership = Membership.objects.filter(
        organization=organization, user=user, is_active=True, user__is_active=True
    ).first()
    if membership is None:
        raise ValidationError(f"{user} is not a staff member of {organization.name}.")
    return membership


def user_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username()) if user is not None else "nobody"
