"""Rate limits for public writes, counted in the shared cache per client and action."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_key(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown") or "unknown"


def rate_limit_hit(*, action: str, key: str, limit: int | None = None, window: int = 60) -> bool:
    """Count one attempt; True when this attempt goes over the limit for the window."""
    limit = settings.SAYSO_RATE_LIMIT_PER_MINUTE if limit is None else limit
    bucket = int(time.time() // window)
    cache_key = f"rl:{action}:{key}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:
            cache.set(cache_key, 1, timeout=window + 5)
            count = 1
    return count > limit
