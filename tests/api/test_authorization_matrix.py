"""Every API operation against every kind of caller: no token, a customer's browser session,
an agent's token, an admin's token, and a token of another organization."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sayso.community import questions
from sayso.community import services as community
from sayso.community.models import Answer, AnswerVote, Comment, Idea, MeToo, Question, Vote
from sayso.conversations import services
from sayso.conversations.models import Case, Commitment, Message
from sayso.core.models import Role
from sayso.customers.models import Customer
from sayso.customers.services import customer_merge
from sayso.status import services as status
from sayso.status.models import Component, Incident, IncidentCase, IncidentUpdate
from tests import factories
from tests.api.conftest import Api, make_token

NOTE = "INTERNAL: do not offer a discount"


@pytest.fixture
def world(org: Any, other_org: Any, agent: Any, admin_user: Any, outsider: Any) -> dict[str, Any]:
    ann = factories.make_customer(org, "Ann", "ann@example.com")
    dup = factories.make_customer(org, "Ann again", "ann2@example.com")
    merge = customer_merge(source=dup, target=ann)
    case = factories.make_case(org, ann, subject="Ann's truck")
    services.message_note(case=case, author=agent, body=NOTE)
    commitment = factories.make_commitment(case, agent)
    # The other organization has its own case #1 with the same number space.
    factories.make_case(other_org, subject="Rival's own case")
    idea, _ = community.idea_post(organization=org, author=ann, title="Ann's idea")
    comment, _ = community.comment_post(idea=idea, author=ann, body="Ann's comment")
    question, _ = questions.question_ask(organization=org, author=ann, title="Ann's question")
    answer, _ = questions.answer_post(question=question, author_user=agent, body="Agent's answer")
    component = status.component_create(organization=org, name="Ann's API")
    incident, _ = status.incident_open(
        organization=org, title="Ann's outage", body="x", component_ids=[component.pk], actor=agent
    )
    return {
        "component": component,
        "incident": incident,
        "ann": ann,
        "merge": merge,
        "case": case,
        "commitment": commitment,
        "idea": idea,
        "comment": comment,
        "question": question,
        "answer": answer,
    }


def _operations(w: dict[str, Any], agent: Any) -> list[tuple[str, str, Any]]:
    ann, case, commitment = w["ann"], w["case"], w["commitment"]
    idea, comment = w["idea"], w["comment"]
    question, answer = w["question"], w["answer"]
    due = (timezone.now() + timedelta(days=1)).isoformat()
    return [
        ("get", f"/ideas/{idea.number}", None),
        ("patch", f"/ideas/{idea.number}", {"title": "Hacked"}),
        ("post", f"/ideas/{idea.number}/status", {"status": "declined", "reason": "x"}),
        ("post", f"/ideas/{idea.number}/response", {"body": "Hacked"}),
        ("get", f"/ideas/{idea.number}/votes", None),
        ("post", f"/ideas/{idea.number}/votes", {"customer_id": ann.pk}),
        ("get", f"/ideas/{idea.number}/comments", None),
        ("post", f"/ideas/{idea.number}/comments", {"body": "injected", "customer_id": ann.pk}),
        ("post", f"/comments/{comment.pk}/hide", {"category": "spam"}),
        ("post", f"/comments/{comment.pk}/restore", {}),
        ("get", f"/questions/{question.number}", None),
        ("patch", f"/questions/{question.number}", {"title": "Hacked question"}),
        ("post", f"/questions/{question.number}/close", {"reason": "Hacked"}),
        ("get", f"/questions/{question.number}/answers", None),
        ("post", f"/questions/{question.number}/answers", {"body": "injected"}),
        ("post", f"/questions/{question.number}/me-too", {"customer_id": ann.pk}),
        ("post", f"/answers/{answer.pk}/votes", {"customer_id": ann.pk, "value": -1}),
        ("post", f"/answers/{answer.pk}/accept", {"customer_id": ann.pk}),
        ("get", f"/status/incidents/{w['incident'].pk}", None),
        ("patch", f"/status/incidents/{w['incident'].pk}", {"title": "Hacked"}),
        (
            "post",
            f"/status/incidents/{w['incident'].pk}/updates",
            {"status": "resolved", "body": "Hacked"},
        ),
        ("get", f"/status/incidents/{w['incident'].pk}/cases", None),
        ("post", f"/status/incidents/{w['incident'].pk}/cases", {"case_numbers": [case.number]}),
        ("patch", f"/status/components/{w['component'].pk}", {"status": "major_outage"}),
        ("get", f"/customers/{ann.pk}", None),
        ("patch", f"/customers/{ann.pk}", {"display_name": "Hacked"}),
        ("post", f"/customers/{ann.pk}/identities", {"kind": "phone", "value": "+15550001"}),
        ("get", f"/customers/{ann.pk}/merges", None),
        ("post", f"/customers/merges/{w['merge'].pk}/undo", None),
        ("get", f"/commitments/{commitment.pk}", None),
        ("post", f"/commitments/{commitment.pk}/keep", {}),
        ("post", f"/commitments/{commitment.pk}/cancel", {}),
        (
            "post",
            "/cases",
            {"customer_id": ann.pk, "subject": "x", "body": "injected", "channel": "api"},
        ),
        (
            "post",
            "/commitments",
            {
                "case_number": case.number,
                "owner_id": agent.pk,
                "description": "x",
                "due_at": due,
            },
        ),
    ]


def _call(api: Api, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return api.get(path)
    if method == "patch":
        return api.patch(path, body)
    return api.post(path, body)


def _snapshot() -> tuple[int, ...]:
    return (
        Customer.objects.count(),
        Case.objects.count(),
        Message.objects.count(),
        Commitment.objects.filter(status="open").count(),
        Customer.objects.filter(display_name="Hacked").count(),
        Idea.objects.filter(status="open", official_response="", title="Ann's idea").count(),
        Comment.objects.filter(state="visible").count(),
        Vote.objects.count(),
        Question.objects.filter(title="Ann's question", state="open").count(),
        Answer.objects.count(),
        Answer.objects.filter(accepted_at__isnull=False).count(),
        AnswerVote.objects.count(),
        MeToo.objects.count(),
        IncidentUpdate.objects.count(),
        IncidentCase.objects.count(),
        Incident.objects.filter(title="Ann's outage").count(),
        Component.objects.filter(status="degraded").count(),
    )


@pytest.mark.django_db
def test_without_a_token_everything_is_401(world: dict[str, Any], agent: Any) -> None:
    anonymous = Api(Client(), None)
    customer_browser = Client()
    session = customer_browser.session
    session[f"portal-customer:{world['ann'].organization_id}"] = world["ann"].pk
    session.save()
    before = _snapshot()
    for caller in (anonymous, Api(customer_browser, None), Api(Client(), "sayso_forged")):
        for method, path, body in _operations(world, agent):
            assert _call(caller, method, path, body).status_code == 401, (method, path)
        assert caller.get("/customers").status_code == 401
        assert caller.get("/cases").status_code == 401
    assert _snapshot() == before


@pytest.mark.django_db
def test_another_organizations_token_sees_and_changes_nothing(
    world: dict[str, Any], other_org: Any, outsider: Any, agent: Any
) -> None:
    rival = Api(Client(), make_token(outsider, other_org))
    before = _snapshot()
    for method, path, body in _operations(world, agent):
        response = _call(rival, method, path, body)
        assert response.status_code == 404, (method, path, response.content)
    assert _snapshot() == before
    # Case numbers are per organization: the rival's #1 is its own case, never Ann's.
    own = rival.get(f"/cases/{world['case'].number}").json()
    assert own["subject"] == "Rival's own case"
    assert NOTE not in str(rival.get(f"/cases/{world['case'].number}/messages").json())
    customers = rival.get("/customers").json()
    assert all(item["display_name"] != "Ann" for item in customers["items"])
    cases = rival.get("/cases", status="all").json()
    subjects = [item["subject"] for item in cases["items"]]
    assert subjects == ["Rival's own case"]
    assert rival.get("/commitments").json()["items"] == []
    assert rival.get("/customers/merge-suggestions").json() == []
    assert rival.get("/ideas", include_hidden="true").json()["items"] == []
    assert rival.get("/moderation/log").json()["items"] == []
    assert rival.get("/questions").json()["items"] == []
    assert rival.get("/status/incidents").json()["items"] == []
    assert rival.get("/status").json()["components"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AGENT, Role.ADMIN])
def test_staff_tokens_work_and_see_internal_notes(
    world: dict[str, Any], org: Any, agent: Any, admin_user: Any, role: str
) -> None:
    user = agent if role == Role.AGENT else admin_user
    api = Api(Client(), make_token(user, org))
    case = world["case"]
    assert api.get(f"/customers/{world['ann'].pk}").status_code == 200
    messages = api.get(f"/cases/{case.number}/messages").json()
    items = messages["items"] if isinstance(messages, dict) else messages
    assert any(m["body"] == NOTE and m["visibility"] == "internal" for m in items)
    response = api.post(f"/commitments/{world['commitment'].pk}/keep", {})
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_deactivated_staff_member_loses_api_access(world: dict[str, Any], org: Any) -> None:
    member = factories.make_member(org, Role.AGENT, username="leaver")
    api = Api(Client(), make_token(member.user, org))
    assert api.get("/cases").status_code == 200
    member.is_active = False
    member.save()
    assert api.get("/cases").status_code == 401
