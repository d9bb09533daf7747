"""Which rows belong to a customer and move with a merge.

Each app registers its customer-owned models (``register(Model, "customer")``) in its
``AppConfig.ready``; ``customer_merge`` moves every registered row and records which, so that
``customer_unmerge`` can move exactly those back.
"""

from __future__ import annotations

from django.db import models

_RELATIONS: dict[str, tuple[type[models.Model], str]] = {}


def register(model: type[models.Model], field: str = "customer") -> None:
    _RELATIONS[model._meta.label] = (model, field)


def relations() -> dict[str, tuple[type[models.Model], str]]:
    return dict(_RELATIONS)
