"""Every operation of the OpenAPI document against every kind of caller (issue 19).

The operations are read from the API's OpenAPI document; ``OPERATIONS`` says, for each
operation id, what it reaches (an object of the organization, a list, or a new object), the
least staff role it needs, and how to fill its path and body from the seeded world. An operation
missing from the table fails ``test_every_operation_of_the_openapi_document_is_in_the_table``.

Callers: no token (anonymous, a customer's portal session, a staff member's web session), a
forged token, a token of this organization without the operation's scope, tokens of an agent,
a manager and an admin with every scope, and a token of another organization's admin. A refused
caller gets 401/403/404 and writes nothing (no INSERT, UPDATE or DELETE but the token's
last-used time, sessions and rate counters); every request runs in a savepoint rolled back after.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from sayso.api.main import api
from sayso.core.models import Membership, Scope
from sayso.core.services import api_token_create, api_token_revoke
from tests.authorization.consent_world import ann_receipt_id, campaign_id
from tests.authorization.test_web_routes import _walk
from tests.authorization.world import MARK, NOTE, World, rolled_back

RANK = {"agent": 1, "manager": 2, "admin": 3}


class Reach(Enum):
    OBJECT = "one object of the organization, named in the path: another organization gets 404"
    LIST = "a list or summary: another organization gets its own, none of this one's"
    CREATE = "a new object from a body naming this organization's objects: refused elsewhere"
    OWN = "a new object naming nothing of the organization's: another organization's is its own"


Fill = Callable[[World], Any]


def _none(w: World) -> Any:
    return None


@dataclass(frozen=True)
class Operation:
    reach: Reach
    path: Fill = _none  # the path parameters
    body: Fill = _none  # the JSON body (None: none)
    query: Fill = _none  # the query parameters
    role: str = "agent"
    model: bool = False  # runs the embedding model: not run for callers it lets in
    reads: bool = False  # a POST that changes nothing (a read-only token may use it)


def _customer(w: World) -> dict[str, Any]:
    return {"customer_id": w.ann.pk}


def _case(w: World) -> dict[str, Any]:
    # Case #2: Rival has a case #1 of its own (numbers are per organization).
    return {"number": w.case_b.number}


def _idea(w: World) -> dict[str, Any]:
    return {"number": w.idea.number}


def _question(w: World) -> dict[str, Any]:
    return {"number": w.question.number}


def _id(param: str, attribute: str) -> Fill:
    def fill(w: World) -> dict[str, Any]:
        return {param: getattr(w, attribute).pk}

    return fill


def _const(value: Any) -> Fill:
    def fill(w: World) -> Any:
        return value

    return fill


def _due(w: World) -> str:
    return (timezone.now() + timedelta(days=1)).isoformat()


OBJ, L, CR, OWN = Reach.OBJECT, Reach.LIST, Reach.CREATE, Reach.OWN
HIDE = _const({"category": "spam", "explanation": "x"})
RESTORE = _const({"reason": "x"})


def _dead_letter(w: World) -> dict[str, Any]:
    """A dead letter of the organization (made on first use; the world's transaction never
    commits). Its embedded job does not exist, so a retry answers ``retried: false``."""
    from sayso.core.models import DeadLetter

    dead, _ = DeadLetter.objects.get_or_create(
        engine="embedded",
        job_id="00000000-0000-0000-0000-000000000000",
        defaults={"organization": w.org, "task_path": "sayso.core.tasks.prune_sessions"},
    )
    return {"dead_letter_id": dead.pk}


def _erasure(w: World) -> dict[str, Any]:
    """A waiting erasure request of Ann's (made on first use; the world's transaction never
    commits)."""
    from sayso.privacy.models import ErasureRequest

    erasure, _ = ErasureRequest.objects.get_or_create(
        customer=w.ann,
        status="pending",
        defaults={"organization": w.org, "due_at": timezone.now() + timedelta(days=14)},
    )
    return {"erasure_id": erasure.pk}


OPERATIONS: dict[str, Operation] = {
    # failed background tasks: an admin's
    "tasks_dead_list": Operation(L, role="admin"),
    "tasks_dead_retry": Operation(OBJ, _dead_letter, role="admin"),
    # customers
    "customers_list": Operation(L),
    "customers_create": Operation(OWN, body=_const({"display_name": "New", "identities": []})),
    "customers_merge_suggestions": Operation(L),
    "customers_get": Operation(OBJ, _customer),
    "customers_update": Operation(OBJ, _customer, _const({"display_name": "Hacked"})),
    "customers_identities_add": Operation(
        OBJ, _customer, _const({"kind": "phone", "value": "+15550199999"})
    ),
    "customers_merge": Operation(OBJ, _customer, lambda w: {"source_id": w.bob.pk}),
    "customers_merges_list": Operation(OBJ, _customer),
    "customers_unmerge": Operation(OBJ, _id("merge_id", "merge")),
    # cases
    "cases_list": Operation(L, query=_const({"status": "all"})),
    "cases_create": Operation(
        CR, body=lambda w: {"customer_id": w.ann.pk, "subject": "x", "body": "injected"}
    ),
    "cases_get": Operation(OBJ, _case),
    "cases_update": Operation(OBJ, _case, _const({"status": "pending"})),
    "cases_handoff": Operation(
        OBJ, _case, lambda w: {"to_user_id": w.users["agent"].pk, "note": "x"}
    ),
    "cases_messages_list": Operation(OBJ, _case),
    "cases_messages_create": Operation(OBJ, _case, _const({"kind": "note", "body": "injected"})),
    # commitments
    "commitments_list": Operation(L),
    "commitments_create": Operation(
        CR,
        body=lambda w: {"case_number": w.case_b.number, "description": "x", "due_at": _due(w)},
    ),
    "commitments_get": Operation(OBJ, _id("commitment_id", "commitment")),
    "commitments_keep": Operation(OBJ, _id("commitment_id", "commitment"), _const({})),
    "commitments_cancel": Operation(OBJ, _id("commitment_id", "commitment"), _const({})),
    # inbound email: the token's organization receives it (its own)
    "inbound_email": Operation(OWN),
    # ideas, comments, moderation
    "ideas_list": Operation(L, query=_const({"include_hidden": "true"})),
    "ideas_create": Operation(CR, body=lambda w: {"title": "Injected", "customer_id": w.bob.pk}),
    "ideas_similar": Operation(L, query=_const({"text": "dark mode"}), model=True),
    "ideas_get": Operation(OBJ, _idea),
    "ideas_update": Operation(OBJ, _idea, _const({"title": "Hacked"})),
    "ideas_status": Operation(OBJ, _idea, _const({"status": "declined", "reason": "x"})),
    "ideas_respond": Operation(OBJ, _idea, _const({"body": "Hacked"})),
    "ideas_merge": Operation(OBJ, _idea, _const({"into": 2})),
    "ideas_votes_list": Operation(OBJ, _idea),
    "ideas_votes_add": Operation(OBJ, _idea, lambda w: {"customer_id": w.bob.pk}),
    "ideas_votes_remove": Operation(
        OBJ, lambda w: {"number": w.idea.number, "customer_id": w.ann.pk}
    ),
    "ideas_comments_list": Operation(OBJ, _idea),
    "ideas_comments_create": Operation(
        OBJ, _idea, lambda w: {"body": "x", "customer_id": w.bob.pk}
    ),
    "comments_hide": Operation(OBJ, _id("comment_id", "comment"), HIDE),
    "comments_restore": Operation(OBJ, _id("comment_id", "comment"), RESTORE),
    "moderation_log": Operation(L),
    # the spam filter moderators teach
    "spam_decisions_create": Operation(
        CR, body=lambda w: {"kind": "comment", "id": w.comment.pk, "label": "spam"}
    ),
    "spam_decisions_list": Operation(L),
    "spam_filter_versions_list": Operation(L),
    "spam_filter_train": Operation(OWN, model=True),
    # roadmap and changelog
    "roadmap_list": Operation(L),
    "roadmap_items_create": Operation(
        CR, body=lambda w: {"title": "Injected", "idea_numbers": [w.idea.number]}
    ),
    "roadmap_items_update": Operation(OBJ, _id("item_id", "roadmap_item"), _const({"title": "H"})),
    "roadmap_items_delete": Operation(OBJ, _id("item_id", "roadmap_item")),
    "changelog_list": Operation(L),
    "changelog_create": Operation(
        CR, body=lambda w: {"title": "Injected", "idea_numbers": [w.idea.number]}
    ),
    "changelog_get": Operation(OBJ, _id("entry_id", "changelog_entry")),
    "changelog_publish": Operation(OBJ, _id("entry_id", "changelog_entry")),
    # reviews
    "reviews_list": Operation(L),
    "reviews_summary": Operation(L),
    "reviews_reply": Operation(OBJ, _id("review_id", "review"), _const({"body": "Hacked"})),
    "reviews_hide": Operation(OBJ, _id("review_id", "review"), HIDE),
    "reviews_restore": Operation(OBJ, _id("review_id", "review"), RESTORE),
    # questions and answers
    "questions_list": Operation(L),
    "questions_create": Operation(
        CR, body=lambda w: {"title": "Injected?", "customer_id": w.bob.pk}
    ),
    "questions_search": Operation(L, query=_const({"q": "question"})),
    "questions_similar": Operation(L, query=_const({"text": "how do I"}), model=True),
    "questions_get": Operation(OBJ, _question),
    "questions_update": Operation(OBJ, _question, _const({"title": "Hacked question"})),
    "questions_similar_to": Operation(OBJ, _question, model=True),
    "questions_close": Operation(OBJ, _question, _const({"reason": "Hacked"})),
    "questions_reopen": Operation(OBJ, _question),
    "questions_answers_list": Operation(OBJ, _question),
    "questions_answers_create": Operation(OBJ, _question, _const({"body": "injected"})),
    "questions_me_too_get": Operation(OBJ, _question),
    "questions_me_too": Operation(OBJ, _question, lambda w: {"customer_id": w.bob.pk}),
    "questions_hide": Operation(OBJ, _question, HIDE),
    "questions_restore": Operation(OBJ, _question, RESTORE),
    "answers_vote": Operation(
        OBJ, _id("answer_id", "answer"), lambda w: {"customer_id": w.ann.pk, "value": -1}
    ),
    "answers_accept": Operation(
        OBJ, _id("answer_id", "answer"), lambda w: {"customer_id": w.ann.pk}
    ),
    "answers_unaccept": Operation(OBJ, _id("answer_id", "answer"), _const({})),
    "answers_hide": Operation(OBJ, _id("answer_id", "answer"), HIDE),
    "answers_restore": Operation(OBJ, _id("answer_id", "answer"), RESTORE),
    # follows
    "follows_list": Operation(OBJ, query=lambda w: {"customer_id": w.ann.pk}),
    "follows_create": Operation(
        CR, body=lambda w: {"customer_id": w.ann.pk, "subject": f"idea:{w.idea.pk}"}
    ),
    "follows_delete": Operation(OBJ, lambda w: {"follow_id": w.follow_id}),
    # listening: sources are the admin's, terms and rules the manager's
    "listening_sources_list": Operation(L),
    "listening_sources_create": Operation(
        OWN, body=_const({"name": "New", "kind": "rss", "url": "https://x.test/f"}), role="admin"
    ),
    "listening_sources_get": Operation(OBJ, _id("source_id", "source")),
    "listening_sources_update": Operation(
        OBJ, _id("source_id", "source"), _const({"name": "Hacked"}), role="admin"
    ),
    "listening_sources_delete": Operation(OBJ, _id("source_id", "source"), role="admin"),
    "listening_sources_test": Operation(OBJ, _id("source_id", "source"), role="admin"),
    "listening_sources_poll": Operation(OBJ, _id("source_id", "source"), role="admin"),
    "listening_terms_list": Operation(L),
    "listening_terms_create": Operation(
        OWN, body=_const({"kind": "brand", "term": "Newbrand"}), role="manager"
    ),
    "listening_terms_delete": Operation(OBJ, _id("term_id", "term"), role="manager"),
    "listening_rules_list": Operation(L),
    "listening_rules_create": Operation(
        OWN, body=_const({"name": "New", "priority": "high"}), role="manager"
    ),
    "listening_rules_replace": Operation(
        OBJ, _id("rule_id", "rule"), _const({"name": "Hacked", "priority": "low"}), role="manager"
    ),
    "listening_rules_delete": Operation(OBJ, _id("rule_id", "rule"), role="manager"),
    "listening_mentions_list": Operation(L),
    # status
    "status_get": Operation(L),
    "status_components_list": Operation(L),
    "status_components_create": Operation(
        OWN, body=_const({"name": "New component"}), role="manager"
    ),
    "status_components_update": Operation(
        OBJ, _id("component_id", "component"), _const({"status": "major_outage"})
    ),
    "status_components_delete": Operation(OBJ, _id("component_id", "component"), role="manager"),
    "status_incidents_list": Operation(L),
    "status_incidents_create": Operation(
        CR,
        body=lambda w: {"title": "Injected", "body": "x", "component_ids": [w.component.pk]},
    ),
    "status_incidents_get": Operation(OBJ, _id("incident_id", "incident")),
    "status_incidents_update": Operation(
        OBJ, _id("incident_id", "incident"), _const({"title": "Hacked"})
    ),
    "status_incidents_updates_create": Operation(
        OBJ, _id("incident_id", "incident"), _const({"status": "resolved", "body": "Hacked"})
    ),
    "status_incidents_postmortem_put": Operation(
        OBJ, _id("incident_id", "incident"), _const({"body": "Hacked"})
    ),
    "status_incidents_cases_list": Operation(OBJ, _id("incident_id", "incident")),
    "status_incidents_cases_link": Operation(
        OBJ, _id("incident_id", "incident"), lambda w: {"case_numbers": [w.case_a.number]}
    ),
    "status_incidents_cases_unlink": Operation(
        OBJ, lambda w: {"incident_id": w.incident.pk, "case_number": w.case_a.number}
    ),
    # intents, offers, the selling process and deals
    "intents_list": Operation(L),
    "intents_get": Operation(OBJ, _id("intent_id", "intent")),
    "offers_list": Operation(OBJ, _id("intent_id", "intent")),
    "offers_create": Operation(
        OBJ, _id("intent_id", "intent"), lambda w: {"price": "100", "valid_until": _due(w)}
    ),
    "stages_list": Operation(L),
    "stages_create": Operation(OWN, body=_const({"name": "New stage"}), role="admin"),
    "stages_update": Operation(
        OBJ, _id("stage_id", "stage"), _const({"name": "Hacked"}), role="admin"
    ),
    "stages_delete": Operation(OBJ, _id("stage_id", "stage"), role="admin"),
    "deals_list": Operation(L),
    "deals_create": Operation(CR, body=lambda w: {"customer_id": w.ann.pk, "title": "Injected"}),
    "deals_get": Operation(OBJ, _id("deal_id", "deal")),
    "deals_update": Operation(OBJ, _id("deal_id", "deal"), _const({"title": "Hacked"})),
    "deals_move": Operation(OBJ, _id("deal_id", "deal"), lambda w: {"stage_id": w.stage.pk}),
    "deals_pause": Operation(OBJ, _id("deal_id", "deal"), _const({"reason": "x"})),
    "deals_resume": Operation(OBJ, _id("deal_id", "deal"), _const({})),
    "deals_withdraw": Operation(OBJ, _id("deal_id", "deal"), _const({})),
    "deals_promises_create": Operation(
        OBJ, _id("deal_id", "deal"), lambda w: {"description": "x", "due_at": _due(w)}
    ),
    # webhooks: an admin's, reads included (endpoint addresses may hold secrets)
    "webhooks_event_types_list": Operation(L, role="admin"),
    "webhooks_endpoints_list": Operation(L, role="admin"),
    "webhooks_endpoints_create": Operation(
        OWN, body=_const({"url": "https://hooks.example.com/new"}), role="admin"
    ),
    "webhooks_endpoints_get": Operation(OBJ, _id("endpoint_id", "webhook_endpoint"), role="admin"),
    "webhooks_endpoints_update": Operation(
        OBJ, _id("endpoint_id", "webhook_endpoint"), _const({"description": "x"}), role="admin"
    ),
    "webhooks_endpoints_delete": Operation(
        OBJ, _id("endpoint_id", "webhook_endpoint"), role="admin"
    ),
    "webhooks_endpoints_rotate_secret": Operation(
        OBJ, _id("endpoint_id", "webhook_endpoint"), role="admin"
    ),
    "webhooks_endpoints_test": Operation(OBJ, _id("endpoint_id", "webhook_endpoint"), role="admin"),
    "webhooks_deliveries_list": Operation(
        OBJ, _id("endpoint_id", "webhook_endpoint"), role="admin"
    ),
    "webhooks_deliveries_get": Operation(OBJ, _id("delivery_id", "webhook_delivery"), role="admin"),
    "webhooks_deliveries_resend": Operation(
        OBJ, _id("delivery_id", "webhook_delivery"), role="admin"
    ),
    # consent and the outreach guard
    "consent_get": Operation(OBJ, _customer),
    "consent_history": Operation(OBJ, _customer),
    "consent_record": Operation(
        OBJ, _customer, _const({"channel": "email", "purpose": "sales", "choice": "refused"})
    ),
    "consent_preferences_put": Operation(OBJ, _customer, _const({"time_zone": "Europe/Paris"})),
    "consent_receipt": Operation(OBJ, lambda w: {"receipt_id": ann_receipt_id(w)}),
    "consent_notices_list": Operation(L),
    "consent_notices_create": Operation(
        OWN, body=_const({"purpose": "sales", "text": "Injected"}), role="manager"
    ),
    "outreach_send": Operation(
        CR,
        body=lambda w: {
            "customer_id": w.ann.pk,
            "channel": "email",
            "purpose": "sales",
            "subject": "x",
            "body": "injected",
        },
    ),
    "outreach_attempts_list": Operation(OBJ, query=lambda w: {"customer_id": w.ann.pk}),
    "outreach_campaigns_list": Operation(L),
    "outreach_campaigns_get": Operation(OBJ, lambda w: {"campaign_id": campaign_id(w)}),
    "outreach_campaigns_create": Operation(
        CR,
        body=lambda w: {
            "name": "x",
            "channel": "email",
            "purpose": "sales",
            "subject": "x",
            "body": "injected",
            "segment": "list",
            "customer_ids": [w.ann.pk],
        },
        role="manager",
    ),
    # privacy: export and erasure, a manager's
    "privacy_export": Operation(OBJ, _customer, role="manager"),
    "privacy_export_archive": Operation(OBJ, _customer, role="manager"),
    "privacy_erasure_request": Operation(
        CR, body=lambda w: {"customer_id": w.ann.pk, "channel": "letter"}, role="manager"
    ),
    "privacy_erasure_list": Operation(L, role="manager"),
    "privacy_erasure_get": Operation(OBJ, _erasure, role="manager"),
    "privacy_erasure_cancel": Operation(OBJ, _erasure, role="manager"),
    # analysis
    "messages_analysis_get": Operation(OBJ, lambda w: {"message_id": w.message_id}, model=True),
    "analyze": Operation(OWN, body=_const({"items": [{"text": "x"}]}), model=True, reads=True),
}


# --- the document ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Documented:
    operation_id: str
    method: str
    path: str  # with {name} placeholders
    scope: str


def document() -> list[Documented]:
    schema = api.get_openapi_schema()
    return [
        Documented(op["operationId"], method.upper(), path, op.get("x-required-scope", ""))
        for path, operations in schema["paths"].items()
        for method, op in operations.items()
    ]


def _url(doc: Documented, op: Operation, w: World) -> str:
    return doc.path.format(**(op.path(w) or {}))


# --- calling it ------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    text: str
    writes: list[str]


def call(client: Client, raw: str | None, doc: Documented, op: Operation, w: World) -> Outcome:
    """One request in a savepoint rolled back afterwards."""
    headers = {"Authorization": f"Bearer {raw}"} if raw is not None else {}
    url = _url(doc, op, w)
    body = op.body(w)

    def send() -> Any:
        if doc.method == "GET":
            return client.get(url, op.query(w) or {}, headers=headers)
        if doc.operation_id == "inbound_email":
            mail = b"From: eve@example.com\r\nSubject: x\r\n\r\ninjected\r\n"
            return client.post(url, mail, content_type="message/rfc822", headers=headers)
        data = json.dumps(body) if body is not None else ""
        return client.generic(
            doc.method, url, data, content_type="application/json", headers=headers
        )

    response, writes = rolled_back(send)
    return Outcome(response.status_code, response.content.decode("utf-8", "replace"), writes)


def _token(w: World, who: str, scopes: list[str]) -> str:
    membership = Membership.objects.get(user=w.users[who])
    return api_token_create(membership=membership, name="narrow", scopes=scopes)[1]


def _check(problems: list[str], who: str, doc: Documented, got: Outcome, allowed: set[int]) -> None:
    where = f"{who}: {doc.method} {doc.path} ({doc.operation_id})"
    if got.status not in allowed:
        problems.append(f"{where}: {got.status}, expected {sorted(allowed)}: {got.text[:160]}")
    if got.writes:
        problems.append(f"{where}: wrote {got.writes}")


# --- the tests -------------------------------------------------------------------------------


def test_every_operation_of_the_openapi_document_is_in_the_table() -> None:
    documented = {doc.operation_id for doc in document()}
    unlisted = sorted(documented - set(OPERATIONS))
    stale = sorted(set(OPERATIONS) - documented)
    assert not unlisted, f"Operations with no row in OPERATIONS: {unlisted}"
    assert not stale, f"Rows in OPERATIONS for operations no longer documented: {stale}"
    assert all(doc.scope in Scope.values for doc in document()), "an operation without a scope"


def test_every_api_route_of_the_url_conf_is_a_documented_operation() -> None:
    """An API route that the document does not show would escape this matrix."""
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", doc.path.lstrip("/")) for doc in document()}
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route.pattern)
        for route in _walk(get_resolver())
        if re.match(r"api/v\d+/\w", route.pattern)
    }
    assert routes, "no API route found in the URL conf"
    assert routes - documented == set()


@pytest.mark.django_db
def test_without_a_live_token_every_operation_is_401(world: World) -> None:
    customer = world.client("customer_a")
    staff = world.client("admin")  # a web session is no API credential (no CSRF hole)
    callers = [
        ("anonymous", Client(), None),
        ("customer session", customer, None),
        ("staff session", staff, None),
        ("forged token", Client(), "sayso_" + "x" * 40),
        ("basic auth", Client(HTTP_AUTHORIZATION="Basic YWRtaW46eA=="), None),
    ]
    problems: list[str] = []
    for doc in document():
        op = OPERATIONS[doc.operation_id]
        for who, client, raw in callers:
            _check(problems, who, doc, call(client, raw, doc, op, world), {401})
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_token_without_the_operations_scope_is_403(world: World) -> None:
    """For each scope, an admin's token with every other scope; and a token with every read
    scope on every operation that writes."""
    problems: list[str] = []
    without = {
        scope: _token(world, "admin", [s for s in Scope.values if s != scope])
        for scope in Scope.values
    }
    read_only = _token(world, "admin", [s for s in Scope.values if s.endswith(":read")])
    client = Client()
    for doc in document():
        op = OPERATIONS[doc.operation_id]
        got = call(client, without[doc.scope], doc, op, world)
        _check(problems, f"all but {doc.scope}", doc, got, {403})
        # Every method but GET writes, whatever scope the document names (a write declared
        # with a read scope is caught here), unless the row says it only reads.
        if doc.method != "GET" and not op.reads:
            _check(problems, "read-only", doc, call(client, read_only, doc, op, world), {403})
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "manager", "admin"])
def test_each_role_gets_what_the_table_allows(world: World, who: str) -> None:
    """Tokens with every scope: below the operation's role a 403 that writes nothing; at or
    above it, a read answers 200 and a write is done (then rolled back)."""
    problems: list[str] = []
    client = Client()
    for doc in document():
        op = OPERATIONS[doc.operation_id]
        if RANK[who] < RANK[op.role]:
            _check(problems, who, doc, call(client, world.raw_tokens[who], doc, op, world), {403})
            continue
        if op.model:
            continue  # lets this caller in and runs the embedding model: its own tests do
        got = call(client, world.raw_tokens[who], doc, op, world)
        where = f"{who}: {doc.method} {doc.path} ({doc.operation_id})"
        # A write this caller may make is done (2xx), or refused for the object's state (400:
        # restoring what is not hidden), never for who asks.
        done = got.status == 200 if doc.method == "GET" else got.status < 300 or got.status == 400
        if not done:
            problems.append(f"{where}: {got.status}: {got.text[:160]}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_another_organizations_token_reaches_nothing_of_this_one(world: World) -> None:
    """An admin of Rival with every scope: this organization's objects are not found, its
    lists are Rival's own, and a body naming this organization's objects is refused."""
    problems: list[str] = []
    client = Client()
    raw = world.raw_tokens["outsider"]
    for doc in document():
        op = OPERATIONS[doc.operation_id]
        if op.reach is Reach.OWN or (op.model and op.reach is Reach.LIST):
            continue
        got = call(client, raw, doc, op, world)
        if op.reach is Reach.OBJECT:
            _check(problems, "outsider", doc, got, {404})
        elif op.reach is Reach.CREATE:
            _check(problems, "outsider", doc, got, {400, 404, 422})
        else:
            _check(problems, "outsider", doc, got, {200})
        if MARK in got.text or NOTE in got.text:
            problems.append(f"outsider: {doc.method} {doc.path}: shows this organization's data")
    # Case numbers are per organization: Rival's #1 is its own case, never this one's.
    own = Client().get(f"/api/v1/cases/{world.case_a.number}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert own.json()["subject"] == "Rival's own case"
    messages = Client().get(
        f"/api/v1/cases/{world.case_a.number}/messages", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert messages.status_code == 200
    assert NOTE not in messages.text and MARK not in messages.text
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "admin"])
def test_staff_tokens_see_the_internal_note(world: World, who: str) -> None:
    """The API is the staff's: their tokens read internal notes (which no customer page shows,
    see test_web_routes.py)."""
    response = Client().get(
        f"/api/v1/cases/{world.case_a.number}/messages",
        HTTP_AUTHORIZATION=f"Bearer {world.raw_tokens[who]}",
    )
    assert response.status_code == 200
    notes = [m for m in response.json()["items"] if m["visibility"] == "internal"]
    assert [m["body"] for m in notes] == [NOTE]


@pytest.mark.django_db
def test_a_revoked_token_or_a_deactivated_member_loses_api_access(world: World) -> None:
    member = Membership.objects.get(user=world.users["agent"])
    agent = {"Authorization": f"Bearer {world.raw_tokens['agent']}"}
    assert Client().get("/api/v1/cases", headers=agent).status_code == 200
    member.is_active = False
    member.save()
    assert Client().get("/api/v1/cases", headers=agent).status_code == 401

    membership = Membership.objects.get(user=world.users["manager"])
    token, raw = api_token_create(membership=membership, name="old", scopes=[Scope.CASES_READ])
    manager = {"Authorization": f"Bearer {raw}"}
    assert Client().get("/api/v1/cases", headers=manager).status_code == 200
    api_token_revoke(token=token, actor=world.users["manager"])
    assert Client().get("/api/v1/cases", headers=manager).status_code == 401
