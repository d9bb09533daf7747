"""The OpenAPI document declares every status an operation can answer, each with the error
schema: 401 and 403 on every operation (the token), 404 where the path names an object, 422
(the list of problems) wherever there is input, 400 and 413 where there is a JSON body."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_operation_declares_its_error_statuses() -> None:
    document = Client().get("/api/openapi.json").json()
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            body = "application/json" in operation.get("requestBody", {}).get("content", {})
            needed = {"401": "ErrorOut", "403": "ErrorOut"}
            if any(parameter["in"] == "path" for parameter in parameters):
                needed["404"] = "ErrorOut"
            if parameters or body:
                needed["422"] = "ValidationErrorOut"
            if body:
                needed |= {"400": "ErrorOut", "413": "ErrorOut"}
            for status, schema in needed.items():
                declared = operation["responses"].get(status, {})
                ref = declared.get("content", {}).get("application/json", {}).get("schema", {})
                if ref.get("$ref") != f"#/components/schemas/{schema}":
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == []
