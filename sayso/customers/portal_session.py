"""The customer portal's sign-in state: which customer this browser is, per organization.

Customers are not Django users: a one-time emailed link proves they hold an email identity,
and the session remembers the customer for that organization only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from sayso.core import roles
from sayso.core.models import Membership, Organization
from sayso.core.selectors import membership_for, organization_by_slug
from sayso.core.web import signin_url
from sayso.customers.models import Customer
from sayso.customers.services import active_customer

View = Callable[..., HttpResponse]


def _key(organization: Organization) -> str:
    return f"portal-customer:{organization.pk}"


def portal_sign_in(request: HttpRequest, organization: Organization, customer: Customer) -> None:
    request.session.cycle_key()  # a new session id at sign-in (no fixation)
    request.session[_key(organization)] = customer.pk


def portal_sign_out(request: HttpRequest, organization: Organization) -> None:
    request.session.pop(_key(organization), None)


def portal_customer(request: HttpRequest, organization: Organization) -> Customer | None:
    """The signed-in customer, following merges to the record that holds them now; nobody
    once that customer's data was erased (erasure ends their sessions; this covers a session
    store erasure cannot list)."""
    pk = request.session.get(_key(organization))
    if not pk:
        return None
    customer = Customer.objects.filter(organization=organization, pk=pk).first()
    current = active_customer(customer) if customer is not None else None
    if customer is None or current is None or current.erased_at is not None:
        portal_sign_out(request, organization)
        return None
    if current.pk != customer.pk:
        request.session[_key(organization)] = current.pk
    return current


class PortalRequest(HttpRequest):
    organization: Organization
    customer: Customer | None


def portal_staff(request: PortalRequest) -> Membership | None:
    """The membership of a staff member of this organization viewing a public page, if any:
    the team acts on the same pages customers read."""
    return membership_for(user=request.user, organization=request.organization)


def portal_staff_required(request: PortalRequest, action: str) -> Any:
    """The staff user acting on a public page, who may do ``action`` (a row of
    ``core.roles.ACTIONS``; anything else raises ``UnknownAction``); a 403 for anyone else
    (customers, visitors, other organizations' staff, lower roles)."""
    role = roles.role_for(action)
    membership = portal_staff(request)
    if membership is None or not membership.has_role(role):
        raise PermissionDenied("Only the team can do this.")
    return request.user


def portal_view(*, sign_in_required: bool) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
            organization = organization_by_slug(slug=org)
            if organization is None:
                raise Http404("No such organization.")
            customer = portal_customer(request, organization)
            if sign_in_required and customer is None:
                return redirect(signin_url(organization, request.get_full_path()))
            request.organization = organization  # type: ignore[attr-defined]
            request.customer = customer  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
