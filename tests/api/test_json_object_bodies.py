"""A request body is a JSON object: a list (`[null, null]`, which PATCH used to take as
"change nothing" with a 200), a string, a number or null answers 422 and changes nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests import factories
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db

NOT_OBJECTS = [[None, None], [], "subject", 5, True]


def test_a_patch_with_a_list_is_refused(api: Any, org: Any, customer: Any) -> None:
    case = factories.make_case(org, customer=customer, subject="Van booking")
    for body in NOT_OBJECTS:
        response = api.patch(f"/cases/{case.number}", body)
        assert names_field(response, "payload"), (body, response.content)
        assert response.json()["detail"][0]["msg"] == "Send a JSON object."
    assert names_field(api.patch(f"/customers/{customer.pk}", [None, None]), "payload")
    case.refresh_from_db()
    assert case.subject == "Van booking"


def test_every_operation_with_a_json_body_refuses_anything_but_an_object(api: Any) -> None:
    """Generated from the OpenAPI document (ids of 1 in the path: the body is checked
    before anything is looked up)."""
    document = Client().get("/api/openapi.json").json()
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            url = "/api" + re.sub(r"\{[^}]+\}", "1", path.removeprefix("/api"))
            for body in NOT_OBJECTS:
                response = getattr(api.client, method)(
                    url,
                    json.dumps(body),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {api.raw}",
                )
                assert response.status_code == 422, (method, path, body, response.content)
                checked += 1
    assert checked > 40 * len(NOT_OBJECTS)
