from __future__ import annotations

from typing import Any

import pytest

from sayso.community.following import follow_add
from sayso.community.models import Follow

pytestmark = pytest.mark.django_db


def test_stops_a_follow(api: Any, rival_api: Any, org: Any, customer: Any) -> None:
    follow = follow_add(customer=customer, subject="roadmap")
    path = f"/api/v1/follows/{follow.pk}"
    assert rival_api.client.delete(path, **rival_api._headers()).status_code == 404
    assert api.client.delete(path, **api._headers()).status_code == 204
    assert api.client.delete(path, **api._headers()).status_code == 404
    assert not Follow.objects.exists()
