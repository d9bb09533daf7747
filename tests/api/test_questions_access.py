"""Every Q&A operation: 401 without a token, 403 without its scope, and 404 for a token of
another organization (which changes nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sayso.community import qa
from sayso.community.models import Answer, AnswerVote, MeToo, Question
from sayso.core.models import Scope
from tests import factories
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org: Any, other_org: Any, customer: Any, outsider: Any) -> dict[str, Any]:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    qa.question_ask(organization=org, author=bob, title="Do you rent car trailers?")
    question, _ = qa.question_ask(
        organization=org, author=customer, title="Which trucks have a loading ramp?"
    )
    answer, _ = qa.answer_post(question=question, author=bob, body="The big ones.")
    # The other organization has its own question #1 (ours is #2: a rival token asking for
    # #2 must find nothing).
    qa.question_ask(organization=other_org, author_user=outsider, title="Rival's question")
    return {"ada": customer, "bob": bob, "question": question, "answer": answer}


def _operations(w: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    n, a, ada, bob = w["question"].number, w["answer"].pk, w["ada"].pk, w["bob"].pk
    read, write = Scope.QUESTIONS_READ.value, Scope.QUESTIONS_WRITE.value
    return [
        ("get", f"/questions/{n}", None, read),
        ("get", f"/questions/{n}/similar", None, read),
        ("get", f"/questions/{n}/answers", None, read),
        ("get", f"/questions/{n}/me-too", None, read),
        ("patch", f"/questions/{n}", {"title": "Hacked title"}, write),
        ("post", f"/questions/{n}/close", {"reason": "Hacked"}, write),
        ("post", f"/questions/{n}/reopen", None, write),
        ("post", f"/questions/{n}/answers", {"body": "Injected"}, write),
        ("post", f"/questions/{n}/me-too", {"customer_id": bob}, write),
        ("post", f"/answers/{a}/votes", {"customer_id": ada, "value": -1}, write),
        ("post", f"/answers/{a}/accept", {"customer_id": ada}, write),
        ("post", f"/answers/{a}/unaccept", None, write),
    ]


def _collection_operations() -> list[tuple[str, str, Any, str]]:
    read, write = Scope.QUESTIONS_READ.value, Scope.QUESTIONS_WRITE.value
    return [
        ("get", "/questions", None, read),
        ("get", "/questions/search?q=ramp", None, read),
        ("get", "/questions/similar?text=loading+ramp", None, read),
        ("post", "/questions", {"title": "Injected question"}, write),
    ]


def _call(api: Api, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return api.client.get(f"/api/v1{path}", **api._headers())
    if method == "patch":
        return api.patch(path, body)
    return api.post(path, body)


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Question.objects.order_by("id").values_list("title", "state", "accepted_count")),
        Answer.objects.count(),
        AnswerVote.objects.count(),
        MeToo.objects.count(),
    )


def test_without_a_token_everything_is_401(world: dict[str, Any]) -> None:
    before = _snapshot()
    for caller in (Api(Client(), None), Api(Client(), "sayso_forged")):
        for method, path, body, _ in _operations(world) + _collection_operations():
            response = _call(caller, method, path, body)
            assert response.status_code == 401, (method, path)
            assert response["WWW-Authenticate"] == 'Bearer realm="sayso"'
    assert _snapshot() == before


def test_without_the_scope_everything_is_403(world: dict[str, Any], scoped_api: Any) -> None:
    others = [s for s in Scope.values if s not in {"questions:read", "questions:write"}]
    before = _snapshot()
    for method, path, body, scope in _operations(world) + _collection_operations():
        lacking = scoped_api(*others, *({"questions:read", "questions:write"} - {scope}))
        response = _call(lacking, method, path, body)
        assert response.status_code == 403, (method, path)
        assert response.json() == {"detail": f"This token lacks the scope {scope}."}
    assert _snapshot() == before


def test_another_organizations_token_sees_and_changes_nothing(
    world: dict[str, Any], rival_api: Api
) -> None:
    before = _snapshot()
    for method, path, body, _ in _operations(world):
        response = _call(rival_api, method, path, body)
        assert response.status_code == 404, (method, path, response.content)
    assert _snapshot() == before
    # Question numbers are per organization: the rival's #1 is its own question.
    assert rival_api.get("/questions/1").json()["title"] == "Rival's question"
    titles = [q["title"] for q in rival_api.get("/questions").json()["items"]]
    assert titles == ["Rival's question"]
    assert rival_api.get("/questions/search", q="ramp").json() == []
    # A customer of another organization cannot be named either.
    rival_post = rival_api.post("/questions", {"title": "For Ada", "customer_id": world["ada"].pk})
    assert rival_post.status_code == 404
    assert rival_post.json() == {"detail": f"Customer {world['ada'].pk} (customer_id) not found."}


def test_a_token_with_the_scopes_works(world: dict[str, Any], scoped_api: Any) -> None:
    reader = scoped_api("questions:read")
    writer = scoped_api("questions:write")
    n, a = world["question"].number, world["answer"].pk
    assert reader.get(f"/questions/{n}").status_code == 200
    assert writer.post(f"/answers/{a}/accept", {"customer_id": world["ada"].pk}).status_code == 200
