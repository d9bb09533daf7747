from __future__ import annotations

from typing import Any

import pytest

from sayso.roadmap import services

pytestmark = pytest.mark.django_db


def test_removes_an_item(api: Any, org: Any, rival_api: Any) -> None:
    item = services.roadmap_item_create(organization=org, title="Themes")
    headers = api._headers()
    assert (
        rival_api.client.delete(f"/api/v1/roadmap/{item.pk}", **rival_api._headers()).status_code
        == 404
    )
    assert api.client.delete(f"/api/v1/roadmap/{item.pk}", **headers).status_code == 204
    assert api.client.delete(f"/api/v1/roadmap/{item.pk}", **headers).status_code == 404
