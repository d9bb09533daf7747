"""Small conversions shared by the providers: dates and decimals as JSON strings."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal


def when(value: date | datetime | time | None) -> str | None:
    return value.isoformat() if value is not None else None


def amount(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None
