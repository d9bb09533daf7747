"""Rate limits count attempts per client, action and window in one statement each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sayso.core import ratelimit
from sayso.core.models import RateCounter

pytestmark = pytest.mark.django_db


def test_the_limit_is_per_client_and_action_and_each_attempt_is_one_statement(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(ratelimit, "PURGE_ONE_IN", 10**9)
    hits = [ratelimit.rate_limit_hit(action="ask", key="10.0.0.1", limit=3) for _ in range(5)]
    assert hits == [False, False, False, True, True]
    assert not ratelimit.rate_limit_hit(action="ask", key="10.0.0.2", limit=3)
    assert not ratelimit.rate_limit_hit(action="answer", key="10.0.0.1", limit=3)
    with CaptureQueriesContext(connection) as queries:
        ratelimit.rate_limit_hit(action="ask", key="10.0.0.3", limit=3)
    assert len(queries) == 1
    assert RateCounter.objects.count() == 4


def test_a_new_window_starts_again_and_expired_counters_are_purged(monkeypatch: Any) -> None:
    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    monkeypatch.setattr(ratelimit, "PURGE_ONE_IN", 1)
    assert not ratelimit.rate_limit_hit(action="ask", key="a", limit=1)
    assert ratelimit.rate_limit_hit(action="ask", key="a", limit=1)
    now[0] += 120
    assert not ratelimit.rate_limit_hit(action="ask", key="a", limit=1)
    [left] = RateCounter.objects.all()
    assert left.expires_at > datetime.fromtimestamp(now[0], tz=UTC)
    assert left.expires_at - datetime.fromtimestamp(now[0], tz=UTC) < timedelta(seconds=70)
