"""The OpenAPI document and the interactive docs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sayso.core.models import Scope
from tests.api.conftest import ALL_SCOPES, Api, make_token

pytestmark = pytest.mark.django_db

OPERATIONS = {
    "customers_list",
    "customers_get",
    "customers_create",
    "customers_update",
    "customers_identities_add",
    "customers_merge",
    "customers_merges_list",
    "customers_unmerge",
    "customers_merge_suggestions",
    "cases_list",
    "cases_get",
    "cases_create",
    "cases_update",
    "cases_handoff",
    "cases_messages_list",
    "cases_messages_create",
    "commitments_list",
    "commitments_get",
    "commitments_create",
    "commitments_keep",
    "commitments_cancel",
    "inbound_email",
    "messages_analysis_get",
    "analyze",
    "ideas_list",
    "ideas_similar",
    "ideas_get",
    "ideas_create",
    "ideas_update",
    "ideas_status",
    "ideas_respond",
    "ideas_merge",
    "ideas_votes_list",
    "ideas_votes_add",
    "ideas_votes_remove",
    "ideas_comments_list",
    "ideas_comments_create",
    "comments_hide",
    "comments_restore",
    "moderation_log",
    "roadmap_list",
    "roadmap_items_create",
    "roadmap_items_update",
    "roadmap_items_delete",
    "changelog_list",
    "changelog_get",
    "changelog_create",
    "changelog_publish",
    "reviews_list",
    "reviews_summary",
    "reviews_reply",
    "reviews_hide",
    "reviews_restore",
    "questions_list",
    "questions_search",
    "questions_similar",
    "questions_get",
    "questions_similar_to",
    "questions_create",
    "questions_update",
    "questions_close",
    "questions_reopen",
    "questions_answers_list",
    "questions_answers_create",
    "questions_me_too_get",
    "questions_me_too",
    "answers_vote",
    "answers_accept",
    "answers_unaccept",
    "answers_hide",
    "answers_restore",
    "questions_hide",
    "questions_restore",
    "follows_list",
    "follows_create",
    "follows_delete",
    "listening_sources_list",
    "listening_sources_create",
    "listening_sources_get",
    "listening_sources_update",
    "listening_sources_delete",
    "listening_sources_test",
    "listening_sources_poll",
    "listening_terms_list",
    "listening_terms_create",
    "listening_terms_delete",
    "listening_rules_list",
    "listening_rules_create",
    "listening_rules_replace",
    "listening_rules_delete",
    "listening_mentions_list",
    "status_get",
    "status_components_list",
    "status_components_create",
    "status_components_update",
    "status_components_delete",
    "status_incidents_list",
    "status_incidents_create",
    "status_incidents_get",
    "status_incidents_update",
    "status_incidents_updates_create",
    "status_incidents_postmortem_put",
    "status_incidents_cases_list",
    "status_incidents_cases_link",
    "status_incidents_cases_unlink",
    "consent_get",
    "consent_history",
    "consent_notices_create",
    "consent_notices_list",
    "consent_preferences_put",
    "consent_receipt",
    "consent_record",
    "deals_create",
    "deals_get",
    "deals_list",
    "deals_move",
    "deals_pause",
    "deals_promises_create",
    "deals_resume",
    "deals_update",
    "deals_withdraw",
    "intents_get",
    "intents_list",
    "offers_create",
    "offers_list",
    "outreach_attempts_list",
    "outreach_campaigns_create",
    "outreach_campaigns_get",
    "outreach_campaigns_list",
    "outreach_send",
    "privacy_erasure_cancel",
    "privacy_erasure_get",
    "privacy_erasure_list",
    "privacy_erasure_request",
    "privacy_export",
    "privacy_export_archive",
    "spam_decisions_create",
    "spam_decisions_list",
    "spam_filter_train",
    "spam_filter_versions_list",
    "stages_create",
    "stages_delete",
    "stages_list",
    "stages_update",
    "tasks_dead_list",
    "tasks_dead_retry",
    "webhooks_deliveries_get",
    "webhooks_deliveries_list",
    "webhooks_deliveries_resend",
    "webhooks_endpoints_create",
    "webhooks_endpoints_delete",
    "webhooks_endpoints_get",
    "webhooks_endpoints_list",
    "webhooks_endpoints_rotate_secret",
    "webhooks_endpoints_test",
    "webhooks_endpoints_update",
    "webhooks_event_types_list",
}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def test_the_docs_page_loads(client: Client) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_the_schema_lists_every_operation(schema: dict[str, Any]) -> None:
    ids = {operation["operationId"] for _, _, operation in _operations(schema)}

    assert ids == OPERATIONS


def test_every_operation_has_an_id_a_summary_tags_and_a_scope(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        where = f"{method.upper()} {path}"
        assert operation.get("operationId"), where
        assert operation.get("summary"), where
        assert operation.get("tags"), where
        assert operation.get("x-required-scope") in Scope.values, where
        assert operation.get("security") == [{"ApiTokenAuth": []}], where
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_operation_refuses_a_token_without_its_scope(
    schema: dict[str, Any], org: Any, agent: Any
) -> None:
    """The scope the schema names is the scope the API enforces."""
    tokens = {
        scope: make_token(agent, org, [s for s in ALL_SCOPES if s != scope]) for scope in ALL_SCOPES
    }
    for method, path, operation in _operations(schema):
        scope = operation["x-required-scope"]
        url = re.sub(r"\{[^}]+\}", "1", path)
        api = Api(Client(), tokens[scope])
        response = api.client.generic(
            method.upper(),
            url,
            "{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api.raw}",
        )
        assert response.status_code == 403, f"{method.upper()} {path}"
        assert response.json() == {"detail": f"This token lacks the scope {scope}."}
        anonymous = Client().generic(method.upper(), url)
        assert anonymous.status_code == 401, f"{method.upper()} {path}"
