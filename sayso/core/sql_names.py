"""Quoted table and column names of a model, for the few plain SQL statements that hot read
paths run instead of building the same query through the ORM on every request (the similar-
item index's reads: docs/performance.md). Values are always bound parameters."""

from __future__ import annotations

from typing import Any

from django.db import connection


def table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def columns(model: Any, *names: str) -> dict[str, str]:
    """``{field name: quoted column}`` for concrete fields (a foreign key by its name)."""
    fields = {field.name: field for field in model._meta.concrete_fields}
    return {name: str(connection.ops.quote_name(fields[name].column)) for name in names}
