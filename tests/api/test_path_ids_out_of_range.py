"""An id or number in the path beyond what a database column holds (or 0) is simply not
found: the API's JSON 404 on every operation, never a 500 from a comparison the database
cannot make."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pk", [0, 2**63, 10**20])
def test_every_operation_answers_404_for_an_id_out_of_range(
    org: Any, admin_user: Any, pk: int
) -> None:
    """Generated from the OpenAPI document: each operation with ids in its path, those ids
    out of range, and an empty JSON object as the body where it takes one."""
    client = Client(raise_request_exception=False)
    token = make_token(admin_user, org)  # an admin may do everything: no 403 in the way
    document = client.get("/api/openapi.json").json()
    checked = 0
    for path, operations in document["paths"].items():
        if "{" not in path:
            continue
        url = re.sub(r"\{[^}]+\}", str(pk), path)
        for method, operation in operations.items():
            body = "application/json" in operation.get("requestBody", {}).get("content", {})
            response = getattr(client, method)(
                url,
                json.dumps({}) if body else "",
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            assert response.status_code in {404, 422}, (method, url, response.content[:300])
            assert response["Content-Type"].startswith("application/json"), (method, url)
            checked += 1
    assert checked > 50
