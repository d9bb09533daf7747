from __future__ import annotations

from typing import Any

import pytest

from sayso.consent import services
from sayso.consent.models import Choice, Method


@pytest.fixture
def grant(customer: Any) -> Any:
    """``grant(channel, purpose, choice="granted", who=customer)``: record a customer's choice
    made in the portal."""

    def record(channel: str, purpose: str, choice: str = Choice.GRANTED, who: Any = None) -> Any:
        return services.consent_record(
            customer=who or customer,
            channel=channel,
            purpose=purpose,
            choice=choice,
            method=Method.PORTAL,
            location="/o/haulright/my/consent/",
        )

    return record
