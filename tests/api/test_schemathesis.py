"""Schemathesis fuzzes every operation of the OpenAPI document against the real API (Django's
WSGI application, in-process, on the test database) with the token of a seeded organization:
no answer may be a 500, a status code, content type or body the document does not declare.
Each operation gets valid and invalid input, and where its path names objects, valid input
about objects that exist (so handlers and services run, not only the 404s).

Bounded and reproducible: a few examples per operation, derandomized (the same inputs on every
run), no shrinking, no deadline; the whole run takes a minute or two on a slow machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sayso.community import ideas as community
from sayso.community import qa
from sayso.conversations import services as conversations
from sayso.status import services as status
from tests import factories
from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Examples per operation and generation mode (valid input, and input the schema refuses).
EXAMPLES = 4
CONFIG = SchemathesisConfig.from_dict({"generation": {"deterministic": True}})


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application. Like Django's test client, it keeps the test's database
    connection (and so its transaction) across requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(org: Any, admin_user: Any) -> str:
    """An admin's token with every scope."""
    return make_token(admin_user, org)


@pytest.fixture
def existing(org: Any, admin_user: Any, customer: Any) -> dict[str, dict[str, Any]]:
    """Objects of the organization, and the path parameters that name them, by the first
    segment of an operation's path after /api/v1/: the fuzzer also sends valid input about
    things that exist, so the handlers and services run, not only the 404s."""
    message, _ = conversations.message_receive(
        organization=org, customer=customer, channel="api", body="Where is my van?"
    )
    commitment = factories.make_commitment(message.case, admin_user)
    idea, _ = community.idea_post(organization=org, title="Bigger vans please", author=customer)
    question, _ = qa.question_ask(organization=org, author=customer, title="Ramps?")
    answer, _ = qa.answer_post(question=question, body="The big ones.", author_user=admin_user)
    component = status.component_create(organization=org, name="Bookings")
    incident, _ = status.incident_open(
        organization=org, title="Bookings are slow", body="Looking.", component_ids=[component.pk]
    )
    case = {"number": message.case.number, "customer_id": customer.pk}
    return {
        "customers": {"customer_id": customer.pk},
        "cases": case,
        "commitments": {"commitment_id": commitment.pk},
        "ideas": {"number": idea.number, "customer_id": customer.pk},
        "questions": {"number": question.number},
        "answers": {"answer_id": answer.pk},
        "messages": {"message_id": message.pk},
        "status": {
            "component_id": component.pk,
            "incident_id": incident.pk,
            "case_number": message.case.number,
        },
    }


def _fuzz(
    operation: Any, mode: GenerationMode, token: str, path: dict[str, Any] | None = None
) -> int:
    """Fuzz one operation in one mode (with these path parameters, if given); how many
    requests it made."""
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        calls.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    headers = {"Authorization": f"Bearer {token}"}
    run()
    return len(calls)


def test_every_answer_is_declared_and_none_is_a_500(
    wsgi_app: WSGIHandler, token: str, existing: dict[str, dict[str, Any]]
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app, config=CONFIG)
    failures = []
    operations = calls = on_existing = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = set(re.findall(r"\{(\w+)\}", operation.path))
        known = existing.get(operation.path.removeprefix("/api/v1/").split("/")[0], {})
        runs = [(GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
        if names and names <= set(known):
            runs.append((GenerationMode.POSITIVE, {name: known[name] for name in names}))
            on_existing += 1
        for mode, path in runs:
            try:
                calls += _fuzz(operation, mode, token, path)
            except (Exception, BaseExceptionGroup) as exc:  # all operations run; all reported
                label = f"{operation.label} ({mode.value}{', existing' if path else ''})"
                failures.append(f"{label}: {str(exc)[:1500]}")
    assert operations > 100 and on_existing > 30 and calls > 2 * operations
    assert not failures, "\n\n".join(failures)
