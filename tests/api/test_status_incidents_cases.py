"""status_incidents_cases_list, _link and _unlink."""

from __future__ import annotations

from typing import Any

import pytest

from sayso.status import services
from sayso.status.models import IncidentCase
from tests import factories

pytestmark = pytest.mark.django_db


def test_links_lists_and_unlinks_cases(
    api: Any, rival_api: Any, org: Any, other_org: Any, agent: Any
) -> None:
    incident, _ = services.incident_open(organization=org, title="Down", body="x", actor=agent)
    cases = [factories.make_case(org) for _ in range(3)]
    path = f"/status/incidents/{incident.pk}/cases"
    numbers = [case.number for case in cases]
    linked = api.post(path, {"case_numbers": numbers})
    again = api.post(path, {"case_numbers": numbers[:1]})
    assert linked.status_code == again.status_code == 200
    assert [c["case_number"] for c in again.json()] == numbers
    assert IncidentCase.objects.count() == 3
    missing = api.post(path, {"case_numbers": [numbers[0], 999]})
    assert missing.status_code == 400 and "#999" in missing.json()["detail"]
    assert api.post(path, {"case_numbers": []}).status_code in {400, 422}
    # Numbers no case has, up to the largest id: refused by name, not a 500.
    huge = api.post(path, {"case_numbers": [2**31, 2**63 - 1]})
    assert huge.status_code == 400 and f"#{2**63 - 1}" in huge.json()["detail"]
    assert api.post(path, {"case_numbers": [2**63]}).status_code == 422
    assert rival_api.get(path).status_code == 404
    assert rival_api.post(path, {"case_numbers": [1]}).status_code == 404
    foreign = factories.make_case(other_org)
    rival_incident, _ = services.incident_open(
        organization=other_org, title="Theirs", body="x", actor=None
    )
    rival_path = f"/status/incidents/{rival_incident.pk}/cases"
    # The rival's case numbers name only the rival's cases.
    assert [
        c["case_number"]
        for c in rival_api.post(rival_path, {"case_numbers": [foreign.number]}).json()
    ] == [foreign.number]
    assert api.delete(f"{path}/{numbers[1]}").status_code == 204
    assert api.delete(f"{path}/{numbers[1]}").status_code == 404
    assert rival_api.delete(f"{path}/{numbers[0]}").status_code == 404
    assert [c["case_number"] for c in api.get(path).json()] == [numbers[0], numbers[2]]
