"""listening_terms_*, listening_rules_* and listening_mentions_list."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.core import services as core
from sayso.listening.connectors import FetchedItem
from sayso.listening.models import ListenTerm, RoutingRule
from sayso.listening.pipeline import items_ingest
from sayso.listening.services import source_create
from tests.api.conftest import Api, names_field

pytestmark = pytest.mark.django_db


def test_terms_are_idempotent_and_need_a_manager(api: Api, manager_api: Api) -> None:
    body = {"kind": "competitor", "term": "VanGo"}
    assert api.post("/listening/terms", body).status_code == 403
    first = manager_api.post("/listening/terms", body)
    again = manager_api.post("/listening/terms", {"kind": "competitor", "term": "vango"})
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert manager_api.post("/listening/terms", {"kind": "brand", "term": "x"}).status_code == 400
    assert [t["term"] for t in api.get("/listening/terms").json()] == ["VanGo"]
    url = f"/api/v1/listening/terms/{first.json()['id']}"
    assert manager_api.client.delete(url, **manager_api._headers()).status_code == 204
    assert ListenTerm.objects.count() == 0


def test_rules_create_replace_delete(
    manager_api: Api, rival_api: Api, org: Any, other_org: Any
) -> None:
    team = core.team_create(organization=org, name="Escalations")
    rival_team = core.team_create(organization=other_org, name="Theirs")
    body = {
        "name": "Angry",
        "intent": "complaint",
        "sentiment": "negative",
        "team_id": team.pk,
        "priority": "urgent",
    }
    created = manager_api.post("/listening/rules", body)
    assert created.status_code == 201, created.content
    assert (
        manager_api.post("/listening/rules", {**body, "team_id": rival_team.pk}).status_code == 404
    )
    assert manager_api.post("/listening/rules", {**body, "intent": "gossip"}).status_code == 400
    for huge in (2**63, -1):
        assert names_field(
            manager_api.post("/listening/rules", {**body, "team_id": huge}), "team_id"
        )
        response = manager_api.post("/listening/rules", {**body, "source_id": huge})
        assert names_field(response, "source_id")
    assert manager_api.post("/listening/rules", {"name": "Nothing"}).status_code == 400
    rule_id = created.json()["id"]
    replaced = manager_api.client.put(
        f"/api/v1/listening/rules/{rule_id}",
        {**body, "priority": "high", "team_id": None},
        content_type="application/json",
        **manager_api._headers(),
    )
    assert replaced.status_code == 200 and replaced.json()["team_id"] is None
    assert rival_api.get("/listening/rules").json() == []
    assert (
        manager_api.client.delete(
            f"/api/v1/listening/rules/{rule_id}", **manager_api._headers()
        ).status_code
        == 204
    )
    assert RoutingRule.objects.count() == 0


def test_mentions_are_listed_with_filters_and_stay_in_their_organization(
    api: Api, rival_api: Api, org: Any
) -> None:
    source = source_create(
        organization=org, name="Feed", kind="rss", url="https://blog.example.com/feed"
    )
    core_term = {"kind": "brand", "term": "Haulright"}
    from sayso.listening.services import term_add

    term_add(organization=org, **core_term)
    items_ingest(
        source=source,
        items=[
            FetchedItem(
                "1",
                "Haulright broke my mirror and nobody answers. Terrible service.",
                author_kind="url",
                author_value="https://a.example.net",
            ),
            FetchedItem(
                "2",
                "Thanks Haulright, the move went great!",
                author_kind="url",
                author_value="https://b.example.net",
            ),
        ],
    )
    everything = api.get("/listening/mentions").json()
    assert everything["count"] == 2
    negative = api.get("/listening/mentions", sentiment="negative").json()
    assert [m["external_id"] for m in negative["items"]] == ["1"]
    assert negative["items"][0]["case_number"] is not None
    assert api.get("/listening/mentions", source=source.pk, limit=1).json()["count"] == 2
    assert rival_api.get("/listening/mentions").json()["count"] == 0
    assert api.get("/listening/mentions", spam="maybe").status_code == 422
