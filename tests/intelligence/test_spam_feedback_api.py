"""Moderators teach the spam filter through the API (issue 21): spam_decisions_create,
spam_decisions_list, spam_filter_train, spam_filter_versions_list."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.community.models import Comment, CommentState, ModerationAction, ModerationEntry
from sayso.core.models import Role, Scope
from sayso.intelligence.models import SpamDecision
from tests import factories
from tests.api.conftest import Api, make_token
from tests.intelligence import spam_wave

pytestmark = pytest.mark.django_db

SCOPES = [Scope.MODERATION, Scope.IDEAS_WRITE, Scope.IDEAS_READ]


def _api(client: Any, user: Any, org: Any) -> Api:
    return Api(client, make_token(user, org, SCOPES))


def _post_comment(api: Api, idea: Any, customer: Any, text: str) -> dict[str, Any]:
    response = api.post(
        f"/ideas/{idea.number}/comments", {"body": text, "customer_id": customer.pk}
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_a_spam_wave_is_held_after_five_decisions_and_a_training_through_the_api(
    client: Any, org: Any, other_org: Any
) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    api = _api(client, agent, org)
    idea, _ = spam_wave.board(org)
    assert api.get("/spam/versions").json() == []

    first = [
        _post_comment(api, idea, person, text)
        for person, text in zip(spam_wave.spammers(org, 5), spam_wave.FIRST_WAVE, strict=True)
    ]
    assert [c["state"] for c in first] == ["visible"] * 5, "the base model caught it"
    for comment in first:
        response = api.post(
            "/spam/decisions", {"kind": "comment", "id": comment["id"], "label": "spam"}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["decision"]["label"] == "spam"
        assert body["decision"]["item_id"] == comment["id"]
        assert body["decision"]["decided_by"] == (agent.get_full_name() or agent.username)
    # Acted on: hidden as spam, in the public log with the moderator's role.
    assert set(
        Comment.objects.filter(pk__in=[c["id"] for c in first]).values_list("state", flat=True)
    ) == {CommentState.SPAM}
    assert (
        ModerationEntry.objects.filter(action=ModerationAction.SPAM, actor_role="agent").count()
        == 5
    )
    # The same decision again changes nothing.
    again = api.post("/spam/decisions", {"kind": "comment", "id": first[0]["id"], "label": "spam"})
    assert again.status_code == 200
    assert SpamDecision.objects.filter(organization=org).count() == 5

    trained = api.post("/spam/versions")
    assert trained.status_code == 201, trained.content
    version = trained.json()
    assert (version["number"], version["is_active"], version["spam_examples"]) == (1, True, 5)
    assert version["metrics"]["spam_recall"] >= 0.8
    assert [v["number"] for v in api.get("/spam/versions").json()] == [1]

    nexts = [
        _post_comment(api, idea, person, text)
        for person, text in zip(spam_wave.spammers(org, 5, 5), spam_wave.NEXT_WAVE, strict=True)
    ]
    for comment in nexts:
        assert comment["state"] == "spam", comment["body"]
        assert "your moderators marked as spam" in comment["state_reason"]
    for i, text in enumerate(spam_wave.GENUINE_DURING_WAVE):
        person = factories.make_customer(org, f"Reader {i}", f"r{i}@example.com")
        assert _post_comment(api, idea, person, text)["state"] == "visible", text

    listed = api.get("/spam/decisions", label="spam", kind="comment").json()
    assert {d["item_id"] for d in listed["items"]} == {c["id"] for c in first}
    assert api.get("/spam/decisions", label="ham").json()["items"] == []

    # Another organization sees none of it, and its posts are not held by this filter.
    outsider = factories.make_member(other_org, Role.ADMIN, username="rival-admin").user
    rival = _api(client, outsider, other_org)
    assert rival.get("/spam/decisions").json()["items"] == []
    assert rival.get("/spam/versions").json() == []
    refused = rival.post(
        "/spam/decisions", {"kind": "comment", "id": first[0]["id"], "label": "ham"}
    )
    assert refused.status_code == 400
    other_idea, _ = spam_wave.board(other_org)
    rival_author = factories.make_customer(other_org, "Channel X", "x@rival.example")
    posted = _post_comment(rival, other_idea, rival_author, spam_wave.NEXT_WAVE[0])
    assert posted["state"] == "visible"


def test_releasing_a_held_comment_and_its_lookalikes_through_the_api(client: Any, org: Any) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    api = _api(client, agent, org)
    idea, _ = spam_wave.board(org)
    plea = (
        "We, the night-shift drivers of the Denver depot, ask for dark mode before winter: "
        "the white screens blind us on the road."
    )
    _post_comment(api, idea, factories.make_customer(org, "Lead", "lead@example.com"), plea)
    held = [
        _post_comment(api, idea, factories.make_customer(org, f"D{i}", f"d{i}@x.example"), plea)
        for i in range(3)
    ]
    assert [c["state"] for c in held] == ["spam"] * 3

    offered = api.post("/spam/decisions", {"kind": "comment", "id": held[0]["id"], "label": "ham"})
    assert offered.status_code == 200, offered.content
    body = offered.json()
    assert [r["id"] for r in body["released"]] == [held[0]["id"]]
    assert {r["id"] for r in body["lookalikes"]} == {c["id"] for c in held[1:]}
    assert all(r["similarity"] >= 0.9 for r in body["lookalikes"])

    both = api.post(
        "/spam/decisions",
        {"kind": "comment", "id": held[1]["id"], "label": "ham", "release_lookalikes": True},
    )
    assert {r["id"] for r in both.json()["released"]} == {held[1]["id"], held[2]["id"]}
    assert set(
        Comment.objects.filter(pk__in=[c["id"] for c in held]).values_list("state", flat=True)
    ) == {CommentState.VISIBLE}
    assert (
        ModerationEntry.objects.filter(
            action=ModerationAction.NOT_SPAM, comment_id__in=[c["id"] for c in held]
        ).count()
        == 3
    )
    assert api.get("/spam/decisions", label="ham").json()["count"] == 3


def test_bad_decisions_are_clear_4xx(client: Any, org: Any) -> None:
    agent = factories.make_member(org, Role.AGENT, username="mod").user
    api = _api(client, agent, org)
    idea, _ = spam_wave.board(org)
    comment = Comment.objects.filter(idea=idea).first()
    assert comment is not None
    for body in [
        {"kind": "comment", "id": comment.pk, "label": "maybe"},
        {"kind": "case", "id": comment.pk, "label": "spam"},
        {"kind": "comment", "id": 0, "label": "spam"},
        {"kind": "comment", "label": "spam"},
        [],
    ]:
        assert api.post("/spam/decisions", body).status_code == 422, body
    assert (
        api.post("/spam/decisions", {"kind": "idea", "id": 999999, "label": "spam"}).status_code
        == 400
    )
    nothing = api.post("/spam/versions")
    assert nothing.status_code == 400
    assert "Nothing to learn from" in nothing.json()["detail"]
    assert api.get("/spam/decisions", label="maybe").status_code == 422
    assert not SpamDecision.objects.exists()
