from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations import commitments
from tests import factories

pytestmark = pytest.mark.django_db


def test_keeps_a_commitment_and_a_retry_is_harmless(api: Any, org: Any, agent: Any) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)

    first = api.post(f"/commitments/{commitment.pk}/keep", {"note": "Called at 3pm"})
    again = api.post(f"/commitments/{commitment.pk}/keep")

    assert first.status_code == 200
    assert first.json()["status"] == "kept"
    assert first.json()["closing_note"] == "Called at 3pm"
    assert again.status_code == 200
    assert again.json()["closed_at"] == first.json()["closed_at"]


def test_a_cancelled_commitment_cannot_be_kept(api: Any, org: Any, agent: Any) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)
    commitments.commitment_cancel(commitment=commitment, actor=agent)

    response = api.post(f"/commitments/{commitment.pk}/keep")

    assert response.status_code == 400
    assert response.json() == {"detail": "This commitment is already cancelled."}


def test_another_organizations_commitment_is_not_found(
    rival_api: Any, org: Any, agent: Any
) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)

    assert rival_api.post(f"/commitments/{commitment.pk}/keep").status_code == 404
    commitment.refresh_from_db()
    assert commitment.status == "open"
