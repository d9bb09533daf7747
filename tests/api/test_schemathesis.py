"""Schemathesis fuzzes every operation of the OpenAPI document against the real API (Django's
WSGI application, in-process, on the test database) with the token of a seeded organization:
no answer may be a 500, a status code, content type or body the document does not declare.

Bounded and reproducible: a few examples per operation, derandomized (the same inputs on every
run), no shrinking, no deadline; the whole run takes a minute or two on a slow machine.
"""

from __future__ import annotations

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

from sayso.conversations import services as conversations
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
def token(org: Any, admin_user: Any, customer: Any) -> str:
    """An admin's token with every scope, in an organization with a customer and a case."""
    conversations.message_receive(
        organization=org, customer=customer, channel="api", body="Where is my van?"
    )
    return make_token(admin_user, org)


def _fuzz(operation: Any, mode: GenerationMode, token: str) -> int:
    """Fuzz one operation in one mode; how many requests it made."""
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode))
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


def test_every_answer_is_declared_and_none_is_a_500(wsgi_app: WSGIHandler, token: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app, config=CONFIG)
    failures = []
    operations = calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                calls += _fuzz(operation, mode, token)
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # every operation is fuzzed; all reported
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert operations > 100 and calls > 2 * operations
    assert not failures, "\n\n".join(failures)
