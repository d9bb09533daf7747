"""listening_sources_*: add, read, change, test, poll and remove sources through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sayso.listening.models import Mention, Source
from sayso.listening.services import term_add
from tests.api.conftest import Api, make_token
from tests.listening.feeds import atom
from tests.listening.stand_in import Reply, StandIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(org: Any, admin_user: Any) -> Api:
    return Api(Client(), make_token(admin_user, org))


def test_an_admin_adds_a_feed_tests_it_and_polls_it(
    admin_api: Api, api: Api, rival_api: Api, org: Any, stand_in: StandIn, settings: Any
) -> None:
    settings.SAYSO_OUTBOUND_ALLOW = ["127.0.0.1/32"]  # the stand-in feed is on loopback
    stand_in.route(
        "/feed",
        Reply(
            body=atom(
                [
                    {
                        "id": "1",
                        "title": "Haulright was late",
                        "html": "Why was the Haulright truck late?",
                    }
                ]
            ),
            headers={"Content-Type": "application/atom+xml"},
        ),
    )
    term_add(organization=org, kind="brand", term="Haulright")
    body = {"name": "Forum", "kind": "rss", "url": f"{stand_in.url}/feed"}
    assert api.post("/listening/sources", body).status_code == 403  # an agent's token
    created = admin_api.post("/listening/sources", body)
    assert created.status_code == 201, created.content
    source_id = created.json()["id"]
    assert created.json()["healthy"] is True
    assert admin_api.post("/listening/sources", body).status_code == 400  # same name

    tested = admin_api.post(f"/listening/sources/{source_id}/test")
    assert tested.json()["ok"] is True
    assert tested.json()["items"][0]["title"] == "Haulright was late"
    assert Mention.objects.count() == 0

    polled = admin_api.post(f"/listening/sources/{source_id}/poll").json()
    assert polled["ok"] and polled["stored"] == 1
    assert admin_api.post(f"/listening/sources/{source_id}/poll").json()["stored"] == 0
    assert api.get(f"/listening/sources/{source_id}").json()["items_total"] == 1
    assert rival_api.get(f"/listening/sources/{source_id}").status_code == 404
    assert rival_api.post(f"/listening/sources/{source_id}/poll").status_code in {403, 404}
    assert [s["id"] for s in rival_api.get("/listening/sources").json()] == []


def test_bad_sources_are_refused_with_a_reason(admin_api: Api) -> None:
    cases = [
        ({"name": "x", "kind": "rss", "url": "ftp://example.com/feed"}, "web address"),
        ({"name": "x", "kind": "mastodon", "url": "https://mastodon.social"}, "hashtags"),
        (
            {"name": "x", "kind": "widget", "allowed_origins": ["https://ok.example/path"]},
            "site origin",
        ),
        (
            {
                "name": "x",
                "kind": "bluesky",
                "url": "https://public.api.bsky.app",
                "queries": ["a"],
                "credential": "my secret",
            },
            "cannot contain spaces",
        ),
        ({"name": "x", "kind": "rss", "url": "http://169.254.169.254/"}, "does not fetch from"),
    ]
    for body, reason in cases:
        response = admin_api.post("/listening/sources", body)
        assert response.status_code == 400, body
        assert reason in response.json()["detail"]
    assert admin_api.post("/listening/sources", {"name": "x", "kind": "fax"}).status_code == 422
    assert Source.objects.count() == 0


def test_update_and_delete(admin_api: Api, org: Any) -> None:
    created = admin_api.post(
        "/listening/sources",
        {"name": "Widget", "kind": "widget", "allowed_origins": ["https://www.example.com/"]},
    ).json()
    assert created["allowed_origins"] == ["https://www.example.com"]
    changed = admin_api.patch(f"/listening/sources/{created['id']}", {"enabled": False})
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    headers = admin_api._headers()
    url = f"/api/v1/listening/sources/{created['id']}"
    assert admin_api.client.delete(url, **headers).status_code == 204
    assert admin_api.client.delete(url, **headers).status_code == 404
