"""SQLite's planner statistics: refreshed once per interval by the worker's periodic task,
now by `sayso dbstats`; nothing to do on PostgreSQL (autovacuum keeps its own)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from sayso.core.planner_statistics import statistics_refresh
from sayso.core.scheduler import periodic_tasks
from sayso.core.tasks import refresh_planner_statistics
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _analyzed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_statistics_are_counted_once_per_interval(org: Any) -> None:
    for n in range(30):
        factories.make_case(org, subject=f"Trailer hitch {n}")
    tables = statistics_refresh()
    if connection.vendor != "sqlite":
        assert tables == []
        return
    assert "conversations_case" in tables
    assert not any(name.startswith("sqlite") for name in tables)
    assert "conversations_case" in _analyzed_tables()
    assert statistics_refresh() == []  # done within the interval
    assert "conversations_case" in statistics_refresh(force=True)


@pytest.mark.django_db
def test_the_worker_schedules_it_and_dbstats_runs_it_now(org: Any) -> None:
    assert refresh_planner_statistics in periodic_tasks()
    factories.make_case(org, subject="Flat tyre")
    out = StringIO()
    call_command("dbstats", stdout=out)
    if connection.vendor == "sqlite":
        assert out.getvalue().startswith("Analyzed ")
        assert "conversations_case" in _analyzed_tables()
        assert refresh_planner_statistics.call() == 0  # the command just did it
    else:
        assert "PostgreSQL keeps its own statistics" in out.getvalue()
