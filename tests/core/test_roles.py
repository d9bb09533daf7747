"""One table of which role may do what (``sayso.core.roles``), read by the web and the API.

Every staff view and every API operation declares an action of the table, and the role the
table gives it is the role the authorization matrices (tests/authorization) prove the view or
operation asks for.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

import sayso
from sayso.api.main import api
from sayso.core import roles
from sayso.core.models import Role
from sayso.core.permissions import staff_required
from sayso.customers.portal_session import portal_staff_required
from tests import factories
from tests.authorization.test_api_operations import OPERATIONS
from tests.authorization.test_web_routes import ROUTES

SAYSO = Path(sayso.__file__).parent
DECLARERS = {"staff_required": 0, "portal_staff_required": 1}  # where the action is passed
# Routes on an object only its own staff member reaches (the matrix's world gives it to the
# admin): the action is open to every role, the object is not.
OWN_OBJECT = {"api-token-revoke"}


def _declarations() -> Iterator[tuple[str, int, ast.Call]]:
    for path in sorted(SAYSO.rglob("*.py")):
        relative = path.relative_to(SAYSO)
        if relative.parts[0] == "migrations":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in DECLARERS:
                    yield str(relative), node.lineno, node


def test_every_staff_view_names_an_action_of_the_table() -> None:
    """``staff_required("case.reply")``, ``portal_staff_required(request, "roadmap.edit")``:
    a string the table holds, never a bare role or nothing."""
    found = 0
    for where, line, call in _declarations():
        position = DECLARERS[getattr(call.func, "id", getattr(call.func, "attr", ""))]
        args = call.args
        assert len(args) > position, f"{where}:{line} declares no action"
        action = args[position]
        assert isinstance(action, ast.Constant) and isinstance(action.value, str), (
            f"{where}:{line} names its action with something other than a string"
        )
        assert action.value in roles.ACTIONS, f"{where}:{line}: {action.value!r} is not an action"
        found += 1
    assert found > 70


def _staff_views(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else ""
            yield from _staff_views(entry, inner or entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "staff_action"):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield name, entry.callback


def test_the_role_of_each_staff_page_is_the_one_the_route_matrix_proves() -> None:
    checked = 0
    for name, view in _staff_views(get_resolver()):
        action = view.staff_action
        expected = "agent" if name in OWN_OBJECT else ROUTES[name].role
        assert roles.role_for(action).value == expected, (name, action)
        checked += 1
    assert checked > 60


def test_every_api_operation_declares_an_action_and_its_role_is_the_matrixs() -> None:
    document = api.get_openapi_schema()
    checked = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            op_id = operation["operationId"]
            action = operation.get("x-required-action")
            assert action in roles.ACTIONS, f"{op_id} declares no action of the table"
            role = roles.role_for(action).value
            assert operation["x-required-role"] == role, op_id
            assert role == OPERATIONS[op_id].role, (op_id, action, role, OPERATIONS[op_id].role)
            checked += 1
    assert checked > 140


def test_an_unknown_action_is_refused_when_declared_not_when_used() -> None:
    with pytest.raises(roles.UnknownAction):
        staff_required("case.explode")
    with pytest.raises(roles.UnknownAction):
        roles.may(None, "case.explode")


@pytest.mark.django_db
def test_a_bare_role_is_not_an_action(org: Any) -> None:
    """A view names an action of the table; a role (``Role.AGENT``) in its place is refused."""
    for role in Role.values:
        with pytest.raises(roles.UnknownAction):
            staff_required(role)
    request = RequestFactory().post("/")
    request.user = factories.make_member(org, Role.ADMIN, username="ad").user
    request.organization = org  # type: ignore[attr-defined]
    with pytest.raises(roles.UnknownAction):
        portal_staff_required(request, Role.AGENT)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_may_ranks_agent_manager_admin(org: Any) -> None:
    agent = factories.make_member(org, Role.AGENT, username="a")
    manager = factories.make_member(org, Role.MANAGER, username="m")
    admin = factories.make_member(org, Role.ADMIN, username="ad")
    assert [roles.may(m, "rule.edit") for m in (None, agent, manager, admin)] == [
        False,
        False,
        True,
        True,
    ]
    assert [roles.may(m, "webhook.manage") for m in (agent, manager, admin)] == [
        False,
        False,
        True,
    ]
    assert roles.may(agent, "case.reply")
    assert roles.refusal("webhook.manage") == "Only an admin can do this."
    assert roles.refusal("rule.edit") == "Only a manager can do this."


@pytest.mark.django_db
def test_a_public_page_refuses_a_staff_member_below_the_actions_role(org: Any) -> None:
    agent = factories.make_member(org, Role.AGENT, username="a")
    request = RequestFactory().post("/")
    request.user = agent.user
    request.organization = org  # type: ignore[attr-defined]
    assert portal_staff_required(request, "incident.manage") == agent.user  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        portal_staff_required(request, "component.edit")  # type: ignore[arg-type]
