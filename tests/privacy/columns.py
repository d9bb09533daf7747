"""The test's own search of the database: every Char, Text and JSON column of every table,
case-insensitive, JSON read as text (both as stored and with non-ASCII escaped)."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast


def occurrences(terms: list[str], *, organization: Any = None) -> list[str]:
    """``app.Model.field#pk: value`` for every row holding one of ``terms``; with
    ``organization``, rows of models that belong to another organization are left out."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        rows = model._default_manager.all()
        if organization is not None and any(
            f.name == "organization" for f in model._meta.concrete_fields
        ):
            rows = rows.filter(organization=organization)
        for field in fields:
            name = field.name
            if isinstance(field, models.JSONField):
                rows_f = rows.annotate(_as_text=Cast(name, models.TextField()))
                name = "_as_text"
            else:
                rows_f = rows
            condition = Q()
            for term in terms:
                condition |= Q(**{f"{name}__icontains": term})
                condition |= Q(**{f"{name}__icontains": json.dumps(term)[1:-1]})
            for pk, value in rows_f.filter(condition).values_list("pk", name):
                found.append(f"{model._meta.label}.{field.name}#{pk}: {str(value)[:120]}")
    return found


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for comparing before and after."""
    return {
        model._meta.label: sorted(
            (tuple(str(v) for v in row) for row in model._default_manager.values_list()),
        )
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions"}
    }
