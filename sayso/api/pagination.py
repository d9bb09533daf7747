"""The API's one pagination: ``limit`` and ``offset`` bounded at the edge.

``limit`` is 1 … the list's maximum (200 unless a list says otherwise) and ``offset`` 0 …
``MAX_OFFSET``; beyond either the answer is a 422 naming the parameter, never a silent clamp
or a number the database cannot take.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
# Deeper than this, narrow the list with its filters instead.
MAX_OFFSET = 10_000_000


class Page(LimitOffsetPagination):
    def __init__(self, max_limit: int = MAX_LIMIT, **kwargs: Any) -> None:
        super().__init__(max_limit=max_limit, **kwargs)

        class Input(Schema):
            limit: int = Field(
                min(DEFAULT_LIMIT, max_limit),
                ge=1,
                le=max_limit,
                description=f"How many items, 1 to {max_limit}.",
            )
            offset: int = Field(
                0, ge=0, le=MAX_OFFSET, description=f"How many to skip, 0 to {MAX_OFFSET:,}."
            )

        self.Input = Input  # type: ignore[assignment]
