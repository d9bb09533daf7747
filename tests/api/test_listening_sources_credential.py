"""listening_sources_create / _update / _get: the credential is write-only. ``credential_env``
is gone (a 422 naming it); ``credential`` is stored encrypted and answered only as
``has_credential`` and ``credential_masked``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sayso.listening.models import Source
from tests.api.conftest import Api, make_token

SECRET = "x2kq-7fhp-3nwd-9vbe"
OTHER = "a9zz-1111-2222-3333"

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(org: Any, admin_user: Any) -> Api:
    return Api(Client(), make_token(admin_user, org))


def _body(**values: Any) -> dict[str, Any]:
    return {
        "name": "Bluesky",
        "kind": "bluesky",
        "url": "https://bsky.social",
        "account": "@haulright.bsky.social",
        **values,
    }


def test_credential_env_is_refused_with_a_422_naming_it(
    admin_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://sayso:hunter2@db/sayso")
    created = admin_api.post("/listening/sources", _body(credential_env="DATABASE_URL"))
    assert created.status_code == 422
    assert any("credential_env" in problem["loc"] for problem in created.json()["detail"])
    assert not Source.objects.exists()

    source = admin_api.post("/listening/sources", _body(credential=SECRET)).json()
    changed = admin_api.patch(
        f"/listening/sources/{source['id']}", {"credential_env": "DATABASE_URL"}
    )
    assert changed.status_code == 422
    assert any("credential_env" in problem["loc"] for problem in changed.json()["detail"])
    assert Source.objects.get().credential_value() == SECRET


def test_the_credential_is_never_answered(admin_api: Api, api: Api) -> None:
    created = admin_api.post("/listening/sources", _body(credential=SECRET))
    assert created.status_code == 201, created.content
    source_id = created.json()["id"]
    for response in (
        created,
        admin_api.get(f"/listening/sources/{source_id}"),
        api.get("/listening/sources"),
    ):
        assert SECRET not in response.content.decode()
        assert SECRET[:-4] not in response.content.decode()
    shown = admin_api.get(f"/listening/sources/{source_id}").json()
    assert shown["has_credential"] is True
    assert shown["credential_masked"] == "••••" + SECRET[-4:]
    assert "credential" not in shown and "credential_env" not in shown
    assert SECRET not in str(Source.objects.values_list("credential", flat=True).get())


def test_patch_keeps_replaces_or_removes_the_credential(admin_api: Api) -> None:
    source_id = admin_api.post("/listening/sources", _body(credential=SECRET)).json()["id"]
    path = f"/listening/sources/{source_id}"

    assert admin_api.patch(path, {"name": "Renamed"}).json()["has_credential"] is True
    assert Source.objects.get().credential_value() == SECRET

    replaced = admin_api.patch(path, {"credential": OTHER}).json()
    assert replaced["credential_masked"] == "••••" + OTHER[-4:]
    assert Source.objects.get().credential_value() == OTHER

    removed = admin_api.patch(path, {"credential": None}).json()
    assert removed["has_credential"] is False and removed["credential_masked"] == ""
    assert Source.objects.get().credential == ""
