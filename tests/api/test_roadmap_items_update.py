from __future__ import annotations

from typing import Any

import pytest

from sayso.roadmap import services

pytestmark = pytest.mark.django_db


def test_moves_an_item(api: Any, org: Any, rival_api: Any) -> None:
    item = services.roadmap_item_create(organization=org, title="Themes")
    moved = api.patch(f"/roadmap/{item.pk}", {"horizon": "now"})
    assert moved.status_code == 200 and moved.json()["horizon"] == "now"
    assert rival_api.patch(f"/roadmap/{item.pk}", {"horizon": "later"}).status_code == 404
