"""Trending order without a clock: each vote or comment adds exp(t / tau) to an idea's score,
stored as its logarithm, so that newer activity outweighs older in a fixed ratio (half the
weight per ``HALF_LIFE``) and ordering by the stored number is ordering by recent activity.
Nothing needs recomputing as time passes, so the board sorts through a plain index.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

HALF_LIFE = timedelta(days=7)
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
COMMENT_WEIGHT = 0.5  # a comment shows interest, a vote shows more


def exponent(at: datetime, weight: float = 1.0) -> float:
    """log of one event's contribution at time ``at``."""
    halvings = (at - EPOCH).total_seconds() / HALF_LIFE.total_seconds()
    return halvings * math.log(2) + math.log(weight)


def added(score: float, at: datetime, weight: float = 1.0) -> float:
    x = exponent(at, weight)
    high, low = max(score, x), min(score, x)
    return high + math.log1p(math.exp(low - high))


def removed(score: float, at: datetime, floor: float, weight: float = 1.0) -> float:
    """``score`` less one event; never below ``floor`` (the idea's own creation)."""
    x = exponent(at, weight)
    if x >= score:
        return floor
    remainder = 1.0 - math.exp(x - score)
    if remainder <= 1e-12:
        return floor
    return max(floor, score + math.log(remainder))
