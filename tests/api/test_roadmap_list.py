from __future__ import annotations

from typing import Any

import pytest

from sayso.roadmap import services

pytestmark = pytest.mark.django_db


def test_lists_unshipped_items_by_horizon(api: Any, org: Any, rival_api: Any) -> None:
    services.roadmap_item_create(organization=org, title="Later thing", horizon="later")
    services.roadmap_item_create(organization=org, title="Now thing", horizon="now")
    items = api.get("/roadmap").json()
    assert [(i["title"], i["horizon"]) for i in items] == [
        ("Now thing", "now"),
        ("Later thing", "later"),
    ]
    assert rival_api.get("/roadmap").json() == []
