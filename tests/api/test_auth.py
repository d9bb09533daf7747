"""Bearer tokens: who gets in (401) and what they may do (403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sayso.core.models import Membership, Scope
from sayso.core.selectors import api_tokens_of
from sayso.core.services import api_token_revoke
from tests.api.conftest import Api, make_token

pytestmark = pytest.mark.django_db


def _assert_401(response: Any) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_without_a_token_the_api_answers_401_with_a_message(org: Any, customer: Any) -> None:
    _assert_401(Api(Client(), None).get("/customers"))
    _assert_401(Api(Client(), None).get(f"/customers/{customer.pk}"))


def test_an_unknown_token_is_401(org: Any) -> None:
    _assert_401(Api(Client(), "sayso_not-a-real-token").get("/customers"))
    _assert_401(Api(Client(), "").get("/customers"))


def test_another_authorization_scheme_is_401(org: Any, agent: Any, client: Client) -> None:
    raw = make_token(agent, org)
    response = client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Basic {raw}")
    _assert_401(response)


def test_a_revoked_token_is_401(org: Any, agent: Any) -> None:
    api = Api(Client(), make_token(agent, org))
    assert api.get("/customers").status_code == 200
    membership = Membership.objects.get(user=agent, organization=org)
    api_token_revoke(token=api_tokens_of(membership=membership).get(), actor=agent)
    _assert_401(api.get("/customers"))


def test_a_token_of_a_deactivated_membership_is_401(org: Any, agent: Any) -> None:
    api = Api(Client(), make_token(agent, org))
    Membership.objects.filter(user=agent, organization=org).update(is_active=False)
    _assert_401(api.get("/customers"))


def test_a_token_of_a_deactivated_user_is_401(org: Any, agent: Any) -> None:
    api = Api(Client(), make_token(agent, org))
    agent.is_active = False
    agent.save()
    _assert_401(api.get("/customers"))


def test_a_token_without_the_scope_is_403_naming_the_scope(scoped_api: Any, customer: Any) -> None:
    api = scoped_api(Scope.CUSTOMERS_READ)
    assert api.get("/customers").status_code == 200
    response = api.post("/cases", {"customer_id": customer.pk, "body": "Hi"})
    assert response.status_code == 403
    assert response.json() == {"detail": "This token lacks the scope cases:write."}


def test_a_read_scope_does_not_allow_writes(scoped_api: Any, customer: Any) -> None:
    api = scoped_api(Scope.CUSTOMERS_READ)
    response = api.patch(f"/customers/{customer.pk}", {"notes": "VIP"})
    assert response.status_code == 403
    assert response.json() == {"detail": "This token lacks the scope customers:write."}
    customer.refresh_from_db()
    assert customer.notes == ""


@pytest.mark.parametrize("role_fixture", ["agent", "manager", "admin_user"])
def test_every_staff_role_may_use_every_operation_its_scopes_allow(
    request: pytest.FixtureRequest, org: Any, role_fixture: str
) -> None:
    user = request.getfixturevalue(role_fixture)
    api = Api(Client(), make_token(user, org))
    created = api.post("/customers", {"display_name": "Zed", "identities": []})
    assert created.status_code == 201
    assert api.get(f"/customers/{created.json()['id']}").status_code == 200
