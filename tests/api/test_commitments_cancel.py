from __future__ import annotations

from typing import Any

import pytest

from sayso.conversations import commitments
from sayso.core.models import Scope
from tests import factories

pytestmark = pytest.mark.django_db


def test_cancels_a_commitment_and_a_retry_is_harmless(api: Any, org: Any, agent: Any) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)

    first = api.post(f"/commitments/{commitment.pk}/cancel", {"note": "Customer withdrew"})
    again = api.post(f"/commitments/{commitment.pk}/cancel", {})

    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert again.status_code == 200
    assert again.json()["status"] == "cancelled"


def test_a_kept_commitment_cannot_be_cancelled(api: Any, org: Any, agent: Any) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)
    commitments.commitment_keep(commitment=commitment, actor=agent)

    response = api.post(f"/commitments/{commitment.pk}/cancel")

    assert response.status_code == 400
    assert response.json() == {"detail": "This commitment is already kept."}


def test_needs_the_commitments_write_scope(scoped_api: Any, org: Any, agent: Any) -> None:
    commitment = factories.make_commitment(factories.make_case(org), agent)

    response = scoped_api(Scope.COMMITMENTS_READ).post(f"/commitments/{commitment.pk}/cancel")

    assert response.status_code == 403
    assert response.json() == {"detail": "This token lacks the scope commitments:write."}
