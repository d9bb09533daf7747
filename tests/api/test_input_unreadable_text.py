"""A lone surrogate or a NUL character in any string of a request answers 422 naming the
field, and nothing is written (they used to fail at the database insert with a 500, or be
stored on SQLite and refused by PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sayso.community import qa
from sayso.community.models import Answer
from sayso.conversations.models import Case, Commitment, Handoff, Message
from sayso.customers.models import Customer, Identity
from tests import factories
from tests.api.conftest import names_field

pytestmark = pytest.mark.django_db

UNREADABLE = ["\ud800", "half \udfff of a pair", "a\x00b"]


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Customer, Identity, Case, Message, Commitment, Handoff, Answer)
    )


@pytest.mark.parametrize("bad", UNREADABLE)
def test_the_write_operations_refuse_it_naming_the_field(
    api: Any, org: Any, agent: Any, customer: Any, bad: str
) -> None:
    case = factories.make_case(org, customer=customer)
    question, _ = qa.question_ask(organization=org, author=customer, title="Ramps?")
    commitment = factories.make_commitment(case, agent)
    due = (timezone.now() + timedelta(hours=4)).isoformat()
    before = _counts()
    subject_before = case.subject
    writes = [
        (api.post, "/customers", {"display_name": bad}, "display_name"),
        (api.post, "/customers", {"display_name": "Ann", "notes": bad}, "notes"),
        (api.post, "/customers", {"identities": [{"kind": "email", "value": bad}]}, "value"),
        (api.patch, f"/customers/{customer.pk}", {"notes": bad}, "notes"),
        (
            api.post,
            f"/customers/{customer.pk}/identities",
            {"kind": "phone", "value": bad},
            "value",
        ),
        (api.post, "/cases", {"customer_id": customer.pk, "body": bad}, "body"),
        (api.post, "/cases", {"customer_id": customer.pk, "subject": bad, "body": "Hi"}, "subject"),
        (api.patch, f"/cases/{case.number}", {"subject": bad}, "subject"),
        (api.post, f"/cases/{case.number}/messages", {"kind": "reply", "body": bad}, "body"),
        (api.post, f"/cases/{case.number}/messages", {"kind": "note", "body": bad}, "body"),
        (api.post, f"/cases/{case.number}/handoff", {"note": bad}, "note"),
        (
            api.post,
            "/commitments",
            {"case_number": case.number, "description": bad, "due_at": due},
            "description",
        ),
        (api.post, f"/commitments/{commitment.pk}/keep", {"note": bad}, "note"),
        (api.post, f"/questions/{question.number}/answers", {"body": bad}, "body"),
    ]
    for send, path, body, field in writes:
        response = send(path, body)
        assert names_field(response, field), (path, body, response.content)
    assert _counts() == before
    case.refresh_from_db()
    customer.refresh_from_db()
    assert case.subject == subject_before and customer.notes == ""


def test_every_string_of_every_json_body_is_checked(api: Any) -> None:
    """Generated from the OpenAPI document, so a new operation or field is covered: a lone
    surrogate in each string property of each request body is a 422 naming that property
    (before the handler runs, so the ids in the path need not exist)."""
    document = Client().get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            body = content["application/json"]["schema"]
            ref = next(o["$ref"] for o in [body, *body.get("anyOf", [])] if "$ref" in o)
            ref = ref.split("/")[-1]
            for name, prop in schemas[ref].get("properties", {}).items():
                kinds = {prop.get("type")} | {
                    option.get("type") for option in prop.get("anyOf", [])
                }
                if "string" not in kinds or prop.get("format") or "enum" in prop:
                    continue
                url = re.sub(r"\{[^}]+\}", "1", path.removeprefix("/api/v1"))
                response = getattr(api, method)(url, {name: "\ud800"})
                assert names_field(response, name), (method, path, name, response.content)
                checked += 1
    assert checked > 60


def test_a_nul_in_a_query_string_answers_422_naming_the_parameter(api: Any) -> None:
    for path, parameter in [("/customers", "q"), ("/cases", "q"), ("/questions", "tag")]:
        response = api.get(path, **{parameter: "a\x00b"})
        assert names_field(response, parameter), (path, response.content)
