"""Ids from requests to objects of the token's organization, or a 404.

Every lookup goes through a selector that takes the organization, so an id of another
organization's object is not found, exactly like an id that does not exist. An id from the
path answers ``{"detail": "Not found."}``; an id from the body names its field. The id guard
and lookup are the web's (``core.web.is_object_id`` and ``get_or_404``): an id out of range is
not looked up at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import Http404, HttpRequest
from ninja.errors import HttpError

from sayso.api.auth import organization_of
from sayso.conversations import selectors as conversations
from sayso.conversations.models import Case, Commitment
from sayso.core import selectors as core
from sayso.core.models import Team
from sayso.core.web import MAX_ID as MAX_ID  # re-exported for the routers
from sayso.core.web import get_or_404, is_object_id
from sayso.customers import selectors as customers
from sayso.customers.models import Customer, CustomerMerge


def _not_found(what: str, pk: int, field: str) -> Exception:
    if field:
        return HttpError(404, f"{what} {pk} ({field}) not found.")
    return Http404()


T = TypeVar("T")


def one_or_404(
    request: HttpRequest, get: Callable[..., T | None], pk: int, *, key: str = "pk", **extra: Any
) -> T:
    """``get(organization=…, pk=pk, **extra)`` — a selector of the token's organization — or
    a 404 when it finds nothing (or ``pk`` cannot be an id). ``key`` names the selector's
    argument when it is not ``pk`` (``number``)."""
    return get_or_404(get, pk, key=key, organization=organization_of(request), **extra)


def customer_or_404(request: HttpRequest, pk: int, *, field: str = "") -> Customer:
    customer = (
        customers.customer_get(organization=organization_of(request), pk=pk)
        if is_object_id(pk)
        else None
    )
    if customer is None:
        raise _not_found("Customer", pk, field)
    return customer


def merge_or_404(request: HttpRequest, pk: int) -> CustomerMerge:
    merge = (
        customers.customer_merge_get(organization=organization_of(request), pk=pk)
        if is_object_id(pk)
        else None
    )
    if merge is None:
        raise _not_found("Merge", pk, "")
    return merge


def case_or_404(request: HttpRequest, number: int, *, field: str = "") -> Case:
    case = (
        conversations.case_get(organization=organization_of(request), number=number)
        if is_object_id(number)
        else None
    )
    if case is None:
        raise _not_found("Case", number, field)
    return case


def commitment_or_404(request: HttpRequest, pk: int) -> Commitment:
    commitment = (
        conversations.commitment_get(organization=organization_of(request), pk=pk)
        if is_object_id(pk)
        else None
    )
    if commitment is None:
        raise _not_found("Commitment", pk, "")
    return commitment


def staff_user_or_404(request: HttpRequest, user_id: int, *, field: str) -> Any:
    """The user of an active staff membership in the token's organization."""
    membership = (
        core.staff_member_get(organization=organization_of(request), user_id=user_id)
        if is_object_id(user_id)
        else None
    )
    if membership is None:
        raise _not_found("Staff member", user_id, field)
    return membership.user


def team_or_404(request: HttpRequest, pk: int, *, field: str) -> Team:
    team = core.team_get(organization=organization_of(request), pk=pk) if is_object_id(pk) else None
    if team is None:
        raise _not_found("Team", pk, field)
    return team
