from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

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


@pytest.fixture
def quiet_now() -> Any:
    """``quiet_now(customer, zone)``: quiet hours for the customer from an hour ago to two hours
    from now in ``zone``, whenever the test runs (a fixed window leaves a minute uncovered,
    and a CI run once fell in it). Returns the local time they end."""

    def set_quiet(who: Any, zone: str) -> time:
        local = timezone.now().astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
        end = (local + timedelta(hours=2)).time()
        services.preferences_set(
            customer=who,
            time_zone=zone,
            quiet_start=(local - timedelta(hours=1)).time(),
            quiet_end=end,
        )
        return end

    return set_quiet
