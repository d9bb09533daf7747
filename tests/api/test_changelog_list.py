from __future__ import annotations

from typing import Any

import pytest

from sayso.roadmap import services

pytestmark = pytest.mark.django_db


def test_lists_published_entries_only(api: Any, org: Any, agent: Any) -> None:
    entry = services.changelog_entry_create(organization=org, title="CSV export")
    services.changelog_entry_publish(entry=entry, actor=agent)
    services.changelog_entry_create(organization=org, title="Draft")
    assert [e["title"] for e in api.get("/changelog").json()["items"]] == ["CSV export"]
