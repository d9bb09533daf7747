"""Rate limits for public writes (and costly public reads), counted per client and action.

Each attempt is one statement: an upsert that adds one to the counter of this client, action
and window and returns the new count (``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, on
SQLite 3.35+ and PostgreSQL). The cache did this in about ten statements per request through
Django's database cache (a count for culling, an add, then a read and a write), which was a
fifth of the "similar as you type" lookup. Expired counters are deleted now and then by the
requests themselves.
"""

from __future__ import annotations

import ipaddress
import random
import sqlite3
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from python_ipware import IpWare

from sayso.core.models import RateCounter

PURGE_ONE_IN = 500  # how often an attempt also deletes the expired counters


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request carries none that is valid (a request
    made in-process, such as a test client's forced sign-in, or a unix-socket connection
    without proxy headers). django-axes stores it in an IP address column, which PostgreSQL
    checks.

    It is the connection's own address, or behind trusted reverse proxies the one the
    outermost of them saw. ``SAYSO_TRUSTED_PROXY_COUNT`` (N) proxies in front each append the
    address they received the request from to ``X-Forwarded-For``, so the Nth entry from the
    right was written by the outermost trusted proxy; everything to its left came from the
    client and proves nothing. With N = 0 the header is ignored. A header shorter than N (a
    request that did not pass through every proxy) counts against the connection's address.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    count = settings.SAYSO_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    # python-ipware counts the proxies *after* the client in the chain (the rightmost one
    # appends the client's address and is not itself listed): N trusted hops are N - 1 of
    # them. Not strict, so a client's own forged entries on the left are allowed and skipped.
    ipware = IpWare(precedence=("HTTP_X_FORWARDED_FOR",), proxy_count=count - 1)
    ip, _trusted = ipware.get_client_ip(request.META, strict=False)
    return _valid_ip(str(ip)) if ip is not None else remote


def client_key(request: HttpRequest) -> str:
    """The key that rate limits count a client under: its address (``client_address``), or
    "unknown" for a request without one."""
    return client_address(request) or "unknown"


def _valid_ip(value: object) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def _upsert_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    bucket, count, expires = (quote(name) for name in ("bucket", "count", "expires_at"))
    return (
        f"INSERT INTO {table} ({bucket}, {count}, {expires}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({bucket}) DO UPDATE SET {count} = {table}.{count} + 1 "
        f"RETURNING {count}"
    )


def _count(bucket: str, expires_at: datetime) -> int:
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        with transaction.atomic():  # no RETURNING before SQLite 3.35: three statements
            counter, _ = RateCounter.objects.select_for_update().get_or_create(
                bucket=bucket, defaults={"expires_at": expires_at}
            )
            counter.count += 1
            counter.save(update_fields=["count"])
            return counter.count
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [bucket, expires_at])
        row = cursor.fetchone()
    return int(row[0])


def rate_limit_hit(*, action: str, key: str, limit: int | None = None, window: int = 60) -> bool:
    """Count one attempt; True when this attempt goes over the limit for the window."""
    limit = settings.SAYSO_RATE_LIMIT_PER_MINUTE if limit is None else limit
    now = time.time()
    window_start = int(now // window)
    expires_at = datetime.fromtimestamp((window_start + 1) * window + 5, tz=UTC)
    count = _count(f"{action}:{key}:{window_start}"[:250], expires_at)
    if random.randrange(PURGE_ONE_IN) == 0:
        RateCounter.objects.filter(expires_at__lt=datetime.fromtimestamp(now, tz=UTC)).delete()
    return count > limit
