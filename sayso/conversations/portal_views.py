"""The customer portal: sign in by emailed link, "my cases", a case's replies and promises."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.conversations import sections, selectors, services
from sayso.conversations.forms import PortalCaseForm, PortalReplyForm, SigninForm
from sayso.conversations.models import Channel, CommitmentStatus
from sayso.core.ratelimit import rate_limit_hit
from sayso.core.web import errors_text, get_or_404, rate_limited
from sayso.customers import selectors as customer_selectors
from sayso.customers.forms import PublicNameForm
from sayso.customers.models import Customer, IdentityKind
from sayso.customers.portal_session import (
    PortalRequest,
    portal_sign_in,
    portal_sign_out,
    portal_view,
)
from sayso.customers.public_names import pseudonym
from sayso.customers.services import (
    customer_public_name_set,
    identity_claim_confirm,
    portal_login_link_redeem,
    portal_login_link_send,
)

T = TypeVar("T")


def _customer(request: PortalRequest) -> Customer:
    assert request.customer is not None
    return request.customer


@portal_view(sign_in_required=False)
def portal_home(request: PortalRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "organization": request.organization,
            **sections.PORTAL_NOTICES.context(organization=request.organization),
        },
    )


@portal_view(sign_in_required=False)
def signin(request: PortalRequest) -> HttpResponse:
    if request.method == "POST":
        if (limited := rate_limited(request, request.organization, "portal-signin")) is not None:
            return limited
        form = SigninForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            if rate_limit_hit(action="portal-signin-email", key=email.lower(), limit=5):
                return render(
                    request,
                    "portal/rate_limited.html",
                    {"organization": request.organization},
                    status=429,
                )
            try:
                portal_login_link_send(
                    organization=request.organization,
                    email=email,
                    next_url=form.cleaned_data.get("next") or "",
                )
            except ValidationError as exc:
                form.add_error("email", errors_text(exc))
            else:
                return render(
                    request,
                    "portal/signin_sent.html",
                    {"organization": request.organization, "email": email},
                )
        return render(
            request,
            "portal/signin.html",
            {"organization": request.organization, "form": form},
            status=400,
        )
    form = SigninForm(initial={"next": request.GET.get("next", "")})
    return render(
        request, "portal/signin.html", {"organization": request.organization, "form": form}
    )


def _link_used(request: PortalRequest, template: str, use: Callable[[], T]) -> T | HttpResponse:
    """A one-time emailed link's page: GET shows a button; only the POST uses the link (with
    ``use``), so mail scanners that fetch links cannot spend it. A bad link is a 400 that
    says why."""
    if request.method != "POST":
        return render(request, template, {"organization": request.organization})
    try:
        return use()
    except ValidationError as exc:
        return render(
            request,
            template,
            {"organization": request.organization, "error": errors_text(exc)},
            status=400,
        )


@portal_view(sign_in_required=False)
def signin_confirm(request: PortalRequest, token: str) -> HttpResponse:
    """Sign-up and sign-in are one step: the page that uses the link also asks for the name
    shown publicly (the customer's own, or a pseudonym to keep or change)."""
    if request.method != "POST":
        known = customer_selectors.portal_link_customer(
            organization=request.organization, raw=token
        )
        form = PublicNameForm(initial={"public_name": known.public_name if known else pseudonym()})
        return render(
            request,
            "portal/signin_confirm.html",
            {"organization": request.organization, "form": form, "known": known},
        )
    form = PublicNameForm(request.POST)
    # A client that posts no name at all keeps the name it has (or gets a pseudonym).
    if "public_name" in request.POST and not form.is_valid():
        return render(
            request,
            "portal/signin_confirm.html",
            {"organization": request.organization, "form": form},
            status=400,
        )
    chosen = form.cleaned_data["public_name"] if "public_name" in request.POST else None
    used = _link_used(
        request,
        "portal/signin_confirm.html",
        lambda: portal_login_link_redeem(
            organization=request.organization, raw=token, public_name=chosen
        ),
    )
    if isinstance(used, HttpResponse):
        return used
    customer, next_url = used
    portal_sign_in(request, request.organization, customer)
    if next_url:
        return redirect(next_url)
    return redirect("portal-cases", org=request.organization.slug)


@portal_view(sign_in_required=False)
def claim_confirm(request: PortalRequest, token: str) -> HttpResponse:
    """The link emailed to an address typed into the widget: using it proves the address, so
    the messages sent with it become that address's customer's, who is signed in."""
    customer = _link_used(
        request,
        "portal/claim_confirm.html",
        lambda: identity_claim_confirm(organization=request.organization, raw=token),
    )
    if isinstance(customer, HttpResponse):
        return customer
    portal_sign_in(request, request.organization, customer)
    messages.success(request, "Thank you: your message is confirmed and with your cases.")
    return redirect("portal-cases", org=request.organization.slug)


@portal_view(sign_in_required=True)
def profile(request: PortalRequest) -> HttpResponse:
    """The customer's own profile: the name shown publicly, which they may change."""
    customer = _customer(request)
    status = 200
    if request.method == "POST":
        form = PublicNameForm(request.POST)
        if form.is_valid():
            try:
                customer_public_name_set(
                    customer=customer, public_name=form.cleaned_data["public_name"]
                )
            except ValidationError as exc:
                form.add_error("public_name", errors_text(exc))
            else:
                messages.success(request, "Your public name is saved.")
                return redirect("portal-profile", org=request.organization.slug)
        status = 400
    else:
        form = PublicNameForm(initial={"public_name": customer.public_name})
    return render(
        request,
        "portal/profile.html",
        {"organization": request.organization, "customer": customer, "form": form},
        status=status,
    )


@require_POST
@portal_view(sign_in_required=False)
def signout(request: PortalRequest) -> HttpResponse:
    portal_sign_out(request, request.organization)
    return redirect("portal-home", org=request.organization.slug)


@portal_view(sign_in_required=True)
def my_cases(request: PortalRequest) -> HttpResponse:
    customer = _customer(request)
    cases = list(selectors.cases_of_customer(organization=request.organization, customer=customer))
    for case in cases:
        visible = [c for c in case.commitments.all() if c.status != CommitmentStatus.CANCELLED]
        for commitment in visible:
            commitment.is_overdue = selectors.commitment_is_overdue(commitment)  # type: ignore[attr-defined]
        case.visible_commitments = visible  # type: ignore[attr-defined]
        case.overdue_count = len(  # type: ignore[attr-defined]
            [c for c in visible if selectors.commitment_is_overdue(c)]
        )
    return render(
        request,
        "portal/my_cases.html",
        {"organization": request.organization, "customer": customer, "cases": cases},
    )


@portal_view(sign_in_required=True)
def case_detail(request: PortalRequest, number: int) -> HttpResponse:
    customer = _customer(request)
    case = get_or_404(
        selectors.case_for_customer,
        number,
        key="number",
        organization=request.organization,
        customer=customer,
        message="No such case.",
    )
    form = PortalReplyForm()
    if request.method == "POST":
        if (limited := rate_limited(request, request.organization, "portal-reply")) is not None:
            return limited
        form = PortalReplyForm(request.POST)
        if form.is_valid():
            try:
                services.message_receive(
                    organization=request.organization,
                    customer=customer,
                    channel=Channel.PORTAL,
                    body=form.cleaned_data["body"],
                    case=case,
                    external_id=f"portal:{form.cleaned_data['submission_id']}",
                    author_identity=customer.identities.filter(kind=IdentityKind.EMAIL).first(),
                )
            except ValidationError as exc:
                form.add_error("body", errors_text(exc))
            else:
                messages.success(request, "Your reply was added to the case.")
                return redirect("portal-case", org=request.organization.slug, number=case.number)
    commitments = [
        c for c in selectors.case_commitments(case=case) if c.status != CommitmentStatus.CANCELLED
    ]
    for commitment in commitments:
        commitment.is_overdue = selectors.commitment_is_overdue(commitment)  # type: ignore[attr-defined]
    return render(
        request,
        "portal/case_detail.html",
        {
            "organization": request.organization,
            "customer": customer,
            "case": case,
            "messages_list": selectors.case_messages(case=case, for_customer=True),
            "commitments": commitments,
            **sections.PORTAL_CASE.context(case=case),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@portal_view(sign_in_required=True)
def case_new(request: PortalRequest) -> HttpResponse:
    customer = _customer(request)
    form = PortalCaseForm()
    if request.method == "POST":
        if (limited := rate_limited(request, request.organization, "portal-case")) is not None:
            return limited
        form = PortalCaseForm(request.POST)
        if form.is_valid():
            try:
                message, _ = services.message_receive(
                    organization=request.organization,
                    customer=customer,
                    channel=Channel.PORTAL,
                    body=form.cleaned_data["body"],
                    subject=form.cleaned_data["subject"],
                    external_id=f"portal:{form.cleaned_data['submission_id']}",
                    author_identity=customer.identities.filter(kind=IdentityKind.EMAIL).first(),
                )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                messages.success(request, "Thank you. We have your message and will answer here.")
                return redirect(
                    "portal-case", org=request.organization.slug, number=message.case.number
                )
    return render(
        request,
        "portal/case_new.html",
        {
            "organization": request.organization,
            "form": form,
            **sections.PORTAL_NOTICES.context(organization=request.organization),
        },
        status=400 if form.errors else 200,
    )
