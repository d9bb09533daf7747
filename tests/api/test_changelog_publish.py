from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from sayso.community import ideas as community
from sayso.roadmap import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_publishes_once_and_tells_the_voters(
    api: Any, org: Any, customer: Any, run_on_commit: Any
) -> None:
    bob = factories.make_customer(org, "Bob", "bob@example.com")
    idea, _ = community.idea_post(organization=org, author=customer, title="Dark mode")
    community.idea_vote(idea=idea, customer=bob)
    entry = services.changelog_entry_create(
        organization=org, title="Dark mode", idea_numbers=[idea.number]
    )
    mail.outbox.clear()
    with run_on_commit(execute=True):
        first = api.post(f"/changelog/{entry.pk}/publish")
        again = api.post(f"/changelog/{entry.pk}/publish")
    assert first.status_code == 200 and first.json()["published_at"]
    assert again.json()["published_at"] == first.json()["published_at"]
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "bob@example.com"]
    assert api.get(f"/ideas/{idea.number}").json()["status"] == "shipped"
