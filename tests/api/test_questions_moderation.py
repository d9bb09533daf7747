from __future__ import annotations

from typing import Any

import pytest

from sayso.community import qa
from sayso.community.models import ModerationEntry
from sayso.core.models import Scope
from tests import factories

pytestmark = pytest.mark.django_db


def _thread(org: Any, customer: Any) -> tuple[Any, Any]:
    question, _ = qa.question_ask(
        organization=org, author=customer, title="The app crashes on start"
    )
    helper = factories.make_customer(org, "Hana", "hana@example.com")
    answer, _ = qa.answer_post(question=question, author=helper, body="Your app is awful")
    return question, answer


def test_hide_and_restore_questions_and_answers_only_for_a_listed_reason(
    api: Any, org: Any, customer: Any
) -> None:
    question, answer = _thread(org, customer)
    refused = api.post(f"/answers/{answer.pk}/hide", {"category": "negative"})
    assert refused.status_code == 400 and "Nothing is hidden" in refused.json()["detail"]
    hidden = api.post(f"/answers/{answer.pk}/hide", {"category": "abuse", "explanation": "Slur"})
    assert hidden.status_code == 200 and hidden.json()["state"] == "hidden"
    assert api.post(f"/answers/{answer.pk}/restore", {}).json()["state"] == "visible"
    hidden = api.post(f"/questions/{question.number}/hide", {"category": "personal_data"})
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    again = api.post(f"/questions/{question.number}/hide", {"category": "spam"})
    assert again.status_code == 400
    restored = api.post(f"/questions/{question.number}/restore", {"reason": "Edited"})
    assert restored.status_code == 200 and restored.json()["hidden"] is False
    assert ModerationEntry.objects.filter(organization=org).count() == 4


def test_moderation_needs_its_scope_and_the_right_organization(
    rival_api: Any, scoped_api: Any, org: Any, customer: Any
) -> None:
    question, answer = _thread(org, customer)
    assert rival_api.post(f"/answers/{answer.pk}/hide", {"category": "spam"}).status_code == 404
    rival = rival_api.post(f"/questions/{question.number}/hide", {"category": "spam"})
    assert rival.status_code == 404
    writer = scoped_api(Scope.QUESTIONS_WRITE, Scope.QUESTIONS_READ)
    assert writer.post(f"/answers/{answer.pk}/hide", {"category": "spam"}).status_code == 403
    assert writer.post(f"/questions/{question.number}/restore", {}).status_code == 403
