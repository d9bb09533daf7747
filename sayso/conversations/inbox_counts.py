"""The inbox's counts, cached until a case's status or assignee changes.

Every inbox page shows how many cases are active, mine and unassigned, and how many match the
filters (for its pager). Counting them reads every active case of the organization — tens of
thousands at a busy brand — on every page view, while they change only when a case opens,
changes status or changes hands. So the counts are cached under a per-organization version
that the case services bump after each such change commits (``inbox_changed``); a change made
around the services (a raw SQL update, the Django admin) shows within ``MAX_AGE`` seconds.
Searches are not cached: each query is different.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

MAX_AGE = 60


def _version_key(organization_id: int) -> str:
    return f"inbox-v:{organization_id}"


def _version(organization_id: int) -> int:
    version = cache.get(_version_key(organization_id))
    if version is None:
        version = 1
        cache.add(_version_key(organization_id), version, timeout=None)
    return int(version)


def inbox_changed(organization_id: int) -> None:
    """Cases of the organization opened, changed status or changed hands: after the current
    transaction commits, every cached inbox count of the organization is stale."""

    def bump() -> None:
        key = _version_key(organization_id)
        try:
            cache.incr(key)
        except ValueError:  # not cached yet, or evicted
            cache.set(key, 2, timeout=None)

    transaction.on_commit(bump)


def cached_count(organization_id: int, name: str, count: Callable[[], Any]) -> Any:
    key = f"inbox-c:{organization_id}:{_version(organization_id)}:{name}"
    value = cache.get(key)
    if value is None:
        value = count()
        cache.set(key, value, timeout=MAX_AGE)
    return value
