"""The customer's side: intents (publish, edit, withdraw, compare offers, accept or decline),
their deals (stage, next step; pause, resume, withdraw), and the public selling process."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core.web import errors_text, get_or_404, rate_limited
from sayso.customers.models import Customer
from sayso.customers.portal_session import PortalRequest, portal_view
from sayso.deals import intents, selectors, services
from sayso.deals.forms import IntentForm, ReasonForm
from sayso.deals.models import Deal, Intent, IntentStatus


def _customer(request: PortalRequest) -> Customer:
    assert request.customer is not None
    return request.customer


def _own_intent(request: PortalRequest, pk: int) -> Intent:
    return get_or_404(
        selectors.intent_for_customer, pk, customer=_customer(request), message="No such intent."
    )


def _own_deal(request: PortalRequest, pk: int) -> Deal:
    return get_or_404(
        selectors.deal_for_customer, pk, customer=_customer(request), message="No such deal."
    )


@portal_view(sign_in_required=False)
def selling_process(request: PortalRequest) -> HttpResponse:
    """How the organization sells: its stages and promises, public."""
    organization = request.organization
    return render(
        request,
        "deals/selling_process.html",
        {
            "organization": organization,
            "stages": selectors.stages_of(organization=organization),
            "promises": selectors.promises_of(organization=organization),
            "categories": selectors.categories_of(organization=organization),
        },
    )


@portal_view(sign_in_required=True)
def my_intents(request: PortalRequest) -> HttpResponse:
    return render(
        request,
        "deals/my_intents.html",
        {
            "organization": request.organization,
            "intents": selectors.intents_of_customer(customer=_customer(request)),
        },
    )


def _intent_form_page(
    request: PortalRequest, form: IntentForm, intent: Intent | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "deals/intent_form.html",
        {"organization": request.organization, "form": form, "intent": intent},
        status=status,
    )


@portal_view(sign_in_required=True)
def intent_new(request: PortalRequest) -> HttpResponse:
    organization = request.organization
    if request.method != "POST":
        return _intent_form_page(request, IntentForm(organization=organization), None)
    if (limited := rate_limited(request, organization, "portal-intent")) is not None:
        return limited
    form = IntentForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            intent = intents.intent_publish(
                organization=organization,
                customer=_customer(request),
                **form.service_arguments(),
            )
        except ValidationError as exc:
            form.add_error(None, errors_text(exc))
        else:
            messages.success(request, "Your intent is published. Offers will appear here.")
            return redirect("portal-intent", org=organization.slug, pk=intent.pk)
    return _intent_form_page(request, form, None, status=400)


@portal_view(sign_in_required=True)
def intent_edit(request: PortalRequest, pk: int) -> HttpResponse:
    organization = request.organization
    intent = _own_intent(request, pk)
    if request.method != "POST":
        initial = intents.intent_values(intent)
        initial["category"] = initial.pop("category_id")  # the form's field
        form = IntentForm(initial=initial, organization=organization)
        return _intent_form_page(request, form, intent)
    form = IntentForm(request.POST, organization=organization)
    if form.is_valid():
        arguments = form.service_arguments()
        arguments.pop("submission_id", None)
        try:
            intents.intent_update(intent=intent, customer=_customer(request), **arguments)
        except ValidationError as exc:
            form.add_error(None, errors_text(exc))
        else:
            messages.success(request, "Your intent is changed.")
            return redirect("portal-intent", org=organization.slug, pk=intent.pk)
    return _intent_form_page(request, form, intent, status=400)


@portal_view(sign_in_required=True)
def intent_detail(request: PortalRequest, pk: int) -> HttpResponse:
    intent = _own_intent(request, pk)
    return render(
        request,
        "deals/intent_detail.html",
        {
            "organization": request.organization,
            "intent": intent,
            "offers": selectors.offers_for_customer(intent=intent),
            "is_open": intent.status == IntentStatus.OPEN,
            "can_decide": intent.status in {IntentStatus.OPEN, IntentStatus.CLOSED},
        },
    )


@require_POST
@portal_view(sign_in_required=True)
def intent_withdraw(request: PortalRequest, pk: int) -> HttpResponse:
    intent = _own_intent(request, pk)
    try:
        intents.intent_withdraw(intent=intent, customer=_customer(request))
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, "Your intent is withdrawn: nobody may contact you about it.")
    return redirect("portal-intent", org=request.organization.slug, pk=intent.pk)


@require_POST
@portal_view(sign_in_required=True)
def offer_decide(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    customer = _customer(request)
    if action not in {"accept", "decline"}:
        raise Http404("No such offer.")
    offer = get_or_404(
        selectors.offer_for_customer, pk, customer=customer, message="No such offer."
    )
    org = request.organization.slug
    try:
        if action == "accept":
            deal = intents.offer_accept(offer=offer, customer=customer)
        else:
            intents.offer_decline(offer=offer, customer=customer)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("portal-intent", org=org, pk=offer.intent_id)
    if action == "accept":
        messages.success(
            request, f"You accepted {offer.organization.name}'s offer; the others are declined."
        )
        if deal.organization_id == request.organization.pk:
            return redirect("portal-deal", org=org, pk=deal.pk)
    else:
        messages.success(request, "Offer declined.")
    return redirect("portal-intent", org=org, pk=offer.intent_id)


@portal_view(sign_in_required=True)
def my_deals(request: PortalRequest) -> HttpResponse:
    return render(
        request,
        "deals/my_deals.html",
        {
            "organization": request.organization,
            "deals": selectors.deals_of_customer(customer=_customer(request)),
        },
    )


@portal_view(sign_in_required=True)
def deal_detail(request: PortalRequest, pk: int) -> HttpResponse:
    deal = _own_deal(request, pk)
    return render(
        request,
        "deals/deal_detail.html",
        {
            "organization": request.organization,
            "deal": deal,
            "stages": selectors.stages_of(organization=request.organization),
            "form": ReasonForm(),
        },
    )


@require_POST
@portal_view(sign_in_required=True)
def deal_status(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    deal = _own_deal(request, pk)
    if action not in services.DEAL_CHANGES:
        raise Http404("No such action.")
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.deal_status_set(
            deal=deal, action=action, customer=_customer(request), reason=reason
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        done = services.DEAL_CHANGES[action][3]
        messages.success(request, f"The deal is {done}; {request.organization.name} is told.")
    return redirect("portal-deal", org=request.organization.slug, pk=deal.pk)
