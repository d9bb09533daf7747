from __future__ import annotations

from typing import Any

import pytest

from sayso.community import ideas
from sayso.community.models import Idea

pytestmark = pytest.mark.django_db


def _idea(org: Any, author: Any, title: str) -> Idea:
    idea, _ = ideas.idea_post(organization=org, author=author, title=title)
    return idea


def test_hides_only_for_a_listed_reason(api: Any, org: Any, customer: Any) -> None:
    idea = _idea(org, customer, "Dark mode")
    comment, _ = ideas.comment_post(idea=idea, author=customer, body="Your service is awful")
    refused = api.post(f"/comments/{comment.pk}/hide", {"category": "negative"})
    assert refused.status_code == 400
    hidden = api.post(f"/comments/{comment.pk}/hide", {"category": "abuse", "explanation": "Slur"})
    assert hidden.status_code == 200 and hidden.json()["state"] == "hidden"


def test_another_organizations_comment_is_not_found(
    rival_api: Any, org: Any, customer: Any
) -> None:
    idea = _idea(org, customer, "Dark mode")
    comment, _ = ideas.comment_post(idea=idea, author=customer, body="Nice")
    assert rival_api.post(f"/comments/{comment.pk}/hide", {"category": "spam"}).status_code == 404
