"""`sayso dbstats`: refresh the database's query-planner statistics now (SQLite's ANALYZE;
the worker does it daily). Useful after a large import."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from sayso.core.planner_statistics import statistics_refresh


class Command(BaseCommand):
    help = "Refresh the query planner's statistics now (SQLite; PostgreSQL keeps its own)."

    def handle(self, *args: Any, **options: Any) -> None:
        tables = statistics_refresh(force=True)
        if connection.vendor != "sqlite":
            self.stdout.write("PostgreSQL keeps its own statistics (autovacuum): nothing to do.")
        else:
            self.stdout.write(f"Analyzed {len(tables)} tables.")
