"""A time limit on each SQL statement the benchmark's Django runs, so that a page needing
minutes is reported as timed out instead of holding the run (and a CPU) for an hour.

PostgreSQL enforces ``statement_timeout`` itself; on SQLite a progress handler interrupts a
statement once its time is up. Either way Django raises ``OperationalError``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created


class Deadline:
    """An execute wrapper that gives each statement ``seconds`` to finish (SQLite)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.until = math.inf

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.until = time.monotonic() + self.seconds
        try:
            return execute(sql, params, many, context)
        finally:
            self.until = math.inf

    def expired(self) -> int:
        return 1 if time.monotonic() > self.until else 0


def _limit(sender: Any, connection: BaseDatabaseWrapper, seconds: float, **kwargs: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
    elif connection.vendor == "sqlite":
        deadline = next((w for w in connection.execute_wrappers if isinstance(w, Deadline)), None)
        if deadline is None:
            deadline = Deadline(seconds)
            connection.execute_wrappers.append(deadline)
        connection.connection.set_progress_handler(deadline.expired, 10_000)


def limit_statements(seconds: float) -> None:
    """From now on, every new database connection limits its statements to ``seconds``."""

    def on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
        _limit(sender, connection, seconds)

    connection_created.connect(on_connect, weak=False, dispatch_uid="bench-statement-timeout")
