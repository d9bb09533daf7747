from __future__ import annotations

from typing import Any

import pytest

from sayso.roadmap import services

pytestmark = pytest.mark.django_db


def test_gets_drafts_and_published_entries(api: Any, org: Any, rival_api: Any) -> None:
    entry = services.changelog_entry_create(organization=org, title="Draft")
    got = api.get(f"/changelog/{entry.pk}").json()
    assert got["title"] == "Draft" and got["published_at"] is None
    assert rival_api.get(f"/changelog/{entry.pk}").status_code == 404
