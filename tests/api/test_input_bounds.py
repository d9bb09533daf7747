"""Every string, number and list the API reads has a documented bound, and input beyond it
answers 422 naming the field: no silent truncation (a 1 MB case subject used to be cut to 300
characters), no megabyte customer notes, no integer the database cannot compare."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sayso.conversations.models import Case, Message
from sayso.customers.models import Customer
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db

MEGABYTE = "x" * 1_000_000


def test_a_megabyte_of_customer_notes_is_refused(api: Any, customer: Any) -> None:
    assert names_field(api.post("/customers", {"display_name": "Ann", "notes": MEGABYTE}), "notes")
    assert names_field(api.patch(f"/customers/{customer.pk}", {"notes": MEGABYTE}), "notes")
    assert Customer.objects.count() == 1
    customer.refresh_from_db()
    assert customer.notes == ""


def test_a_megabyte_case_subject_is_refused_not_cut(api: Any, customer: Any) -> None:
    response = api.post("/cases", {"customer_id": customer.pk, "subject": MEGABYTE, "body": "Hi"})
    assert names_field(response, "subject")
    assert not Case.objects.exists() and not Message.objects.exists()
    longest = api.post("/cases", {"customer_id": customer.pk, "subject": "s" * 300, "body": "Hi"})
    assert longest.status_code == 201 and longest.json()["subject"] == "s" * 300
    number = longest.json()["number"]
    assert names_field(api.patch(f"/cases/{number}", {"subject": "s" * 301}), "subject")
    assert Case.objects.get().subject == "s" * 300


def test_ids_beyond_64_bits_are_refused(api: Any, customer: Any) -> None:
    for body, field in [
        ({"customer_id": 2**63, "body": "Hi"}, "customer_id"),
        ({"customer_id": 0, "body": "Hi"}, "customer_id"),
        ({"customer_id": 10**30, "body": "Hi"}, "customer_id"),
    ]:
        assert names_field(api.post("/cases", body), field), body
    assert names_field(api.get("/cases", team=2**63), "team")
    assert names_field(api.get("/customers/merge-suggestions", customer_id=10**20), "customer_id")
    assert not Case.objects.exists()


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    return schema


def _unbounded(schema: dict[str, Any], where: str, components: dict[str, Any]) -> list[str]:
    schema = _resolve(schema, components)
    found = []
    for option in schema.get("anyOf", []):
        found += _unbounded(option, where, components)
    kind = schema.get("type")
    closed = "enum" in schema or "const" in schema
    if kind == "string" and not closed and "format" not in schema and "maxLength" not in schema:
        found.append(f"{where}: a string without maxLength")
    bounded = "minimum" in schema and {"maximum", "exclusiveMaximum"} & set(schema)
    if kind == "integer" and not closed and not bounded:
        found.append(f"{where}: an integer without minimum and maximum")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: a list without maxItems")
        found += _unbounded(schema.get("items", {}), f"{where}[]", components)
    if kind == "object":
        for name, prop in schema.get("properties", {}).items():
            found += _unbounded(prop, f"{where}.{name}", components)
    return found


def test_every_input_of_every_operation_is_bounded() -> None:
    """Read from the OpenAPI document, so a new operation or field is covered: each string
    (not an enum, a date or a time) has a maxLength, each integer a minimum and a maximum,
    each list a maxItems, in query parameters and request bodies alike."""
    document = Client().get("/api/openapi.json").json()
    components = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    where = f"{label} {parameter['in']} {parameter['name']}"
                    found += _unbounded(parameter["schema"], where, components)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                found += _unbounded(body["schema"], f"{label} body", components)
    assert found == []
