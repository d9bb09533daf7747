from __future__ import annotations

from typing import Any

import pytest

from tests.listening.stand_in import StandIn


@pytest.fixture
def stand_in(stand_in: StandIn, settings: Any) -> StandIn:
    """The stand-in server on 127.0.0.1, with 127.0.0.1 allowed for outbound requests (as an
    operator allows an on-premises feed): Sayso's default refuses loopback addresses."""
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    return stand_in
