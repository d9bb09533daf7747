"""The OpenAPI document is valid JSON for every reader: no object repeats a key (Python's json
keeps the last silently; Swagger UI's YAML reader refuses the whole document)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
def test_no_object_of_the_openapi_document_repeats_a_key() -> None:
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        repeated.extend(sorted({key for key in keys if keys.count(key) > 1}))
        return dict(items)

    json.loads(Client().get("/api/openapi.json").content, object_pairs_hook=pairs)
    assert repeated == []
