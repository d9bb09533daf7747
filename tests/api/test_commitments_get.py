from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sayso.conversations import commitments
from tests import factories

pytestmark = pytest.mark.django_db


def test_gets_a_commitment(api: Any, org: Any, agent: Any) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)

    response = api.get(f"/commitments/{commitment.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == commitment.pk
    assert response.json()["due_at"].endswith("Z")


def test_a_breached_commitment_is_overdue(api: Any, org: Any, agent: Any) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent, hours=1)
    commitments.commitment_breach(commitment=commitment, now=timezone.now() + timedelta(hours=2))

    body = api.get(f"/commitments/{commitment.pk}").json()

    assert body["status"] == "breached"
    assert body["overdue"] is True
    assert body["breached_at"] is not None


def test_another_organizations_commitment_is_not_found(
    rival_api: Any, org: Any, agent: Any
) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)

    response = rival_api.get(f"/commitments/{commitment.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
