"""The query planner's statistics on SQLite (``ANALYZE``), kept fresh by the worker.

SQLite plans a query from its indexes alone until ``ANALYZE`` has counted what they hold; it
then assumes every equality narrows a table to about ten rows, so sorting the result looks
free. With several indexes that begin with the same column the plan became a matter of
chance: the idea board filtered by status and category, sorted by votes, read a whole
category and sorted it (26 to 42 ms of SQL) where the board's vote-ordered index gives the page
at once, and adding one more index made the plain board sort all 100,000 ideas
(docs/performance.md). With statistics SQLite chooses well.

``statistics_refresh()`` runs ``ANALYZE`` one table at a time (each its own write
transaction, so a writer waits at most for one table's sample, not the whole database's) on
a bounded sample of each index (``PRAGMA analysis_limit``): about 0.2 s in all for the
100,000-idea board, 8 s for a community of 500,000 questions and 2,000,000 answers. The
worker's scheduler enqueues it every minute and it does its work once every
``SAYSO_PLANNER_STATISTICS_HOURS`` (default 24); ``sayso dbstats`` runs it now. PostgreSQL
keeps its own statistics (autovacuum), so there it does nothing.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger("sayso.core")

SAMPLE_ROWS = 1000  # PRAGMA analysis_limit: rows sampled per index
_DONE_KEY = "sayso:planner-statistics"


def statistics_refresh(*, force: bool = False) -> list[str]:
    """Refresh the planner's statistics when they are older than the configured interval
    (``force``: now). Returns the tables analyzed (none on PostgreSQL, or when not due)."""
    if connection.vendor != "sqlite":
        return []
    hours = max(1, int(getattr(settings, "SAYSO_PLANNER_STATISTICS_HOURS", 24)))
    if force:
        cache.set(_DONE_KEY, time.time(), timeout=hours * 3600)
    elif not cache.add(_DONE_KEY, time.time(), timeout=hours * 3600):
        return []  # done within the interval (by this process or another)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={SAMPLE_ROWS}")
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE %s "
            "AND name NOT LIKE %s ORDER BY name",
            ["CREATE VIRTUAL TABLE%", "sqlite%"],
        )
        tables = [name for (name,) in cursor.fetchall()]
        for name in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    logger.info(
        "planner statistics: %d tables analyzed in %.1f s",
        len(tables),
        time.perf_counter() - started,
    )
    return tables
