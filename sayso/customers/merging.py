"""Which rows belong to a customer and move with a merge.

Each app registers its customer-owned models (``register(Model, "customer")``) in its
``AppConfig.ready``; ``customer_merge`` moves every registered row and records which, so that
``customer_unmerge`` can move exactly those back.

``unique_with`` names fields that, with the customer, must stay unique (a vote per idea): a
row of the merged-away customer that would collide with one of the surviving customer's stays
where it is — with the merged-away record, so it no longer counts — and is in place again after
an unmerge. ``keep`` names field values of rows that never move (an unverified claim stays
with the merged-away contact: a merge by staff does not make it the target's, and a later
claim of the same address starts a new unverified contact). ``after(source, target)`` runs
after both a merge and its undoing, inside the same transaction, to bring counts kept
elsewhere up to date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

After = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Relation:
    model: type[models.Model]
    field: str
    unique_with: tuple[str, ...] = ()
    after: After | None = None
    keep: tuple[tuple[str, Any], ...] = ()

    def rows_to_move(self, source: Any, target: Any) -> list[int]:
        manager = self.model._default_manager
        rows = manager.filter(**{self.field: source})
        if self.keep:
            rows = rows.exclude(**dict(self.keep))
        if self.unique_with:
            taken = manager.filter(**{self.field: target}).values(*self.unique_with)
            for values in taken:
                rows = rows.exclude(**values)
        return sorted(rows.values_list("pk", flat=True))


_RELATIONS: dict[str, Relation] = {}


def register(
    model: type[models.Model],
    field: str = "customer",
    *,
    unique_with: tuple[str, ...] = (),
    after: After | None = None,
    keep: dict[str, Any] | None = None,
) -> None:
    _RELATIONS[model._meta.label] = Relation(
        model, field, tuple(unique_with), after, tuple(sorted((keep or {}).items()))
    )


def relations() -> dict[str, Relation]:
    return dict(_RELATIONS)
