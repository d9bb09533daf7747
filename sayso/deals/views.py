"""Staff pages: the intents queue and offers, deals, and the selling process (admins edit)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.roles import may
from sayso.core.web import errors_text, get_or_404
from sayso.customers.selectors import customer_get
from sayso.deals import checks, intents, process, selectors, services
from sayso.deals.forms import (
    CategoryForm,
    DealForm,
    DealMoveForm,
    DealNewForm,
    DealPromiseForm,
    OfferForm,
    PromiseForm,
    ReasonForm,
    StageForm,
)
from sayso.deals.models import Deal, DealStatus, IntentStatus


def _decimal(value: str) -> Decimal | None:
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and abs(amount) < Decimal("1e12") else None


def _queue_filters(request: StaffRequest) -> dict[str, Any]:
    get = request.GET
    days = get.get("deadline_within", "")
    answered = get.get("answered", "")
    return {
        "status": get.get("status", IntentStatus.OPEN)
        if get.get("status", IntentStatus.OPEN) in IntentStatus.values
        else IntentStatus.OPEN,
        "category_key": checks.category_key(get.get("category", ""))[:120],
        "budget_min": _decimal(get.get("budget_min", "")),
        "budget_max": _decimal(get.get("budget_max", "")),
        "deadline_within_days": int(days) if days.isdigit() and len(days) < 5 else None,
        "answered": {"yes": True, "no": False}.get(answered),
    }


@staff_required("deal.read")
def intent_queue(request: StaffRequest) -> HttpResponse:
    """Open intents visible to the organization, with filters, soonest deadline first."""
    filters = _queue_filters(request)
    intents = list(selectors.intents_for_staff(organization=request.organization, **filters)[:200])
    return render(
        request,
        "deals/staff_intents.html",
        {
            "intents": intents,
            "filters": request.GET,
            "categories": selectors.categories_of(organization=request.organization),
            "statuses": IntentStatus.choices,
        },
    )


@staff_required("deal.read")
def intent_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """One intent, this organization's offers on it, and the form to answer with an offer
    (sent through the outreach guard; a blocked one says why)."""
    organization = request.organization
    intent = get_or_404(
        selectors.intent_for_staff, pk, organization=organization, message="No such intent."
    )
    form = OfferForm(initial={"currency": intent.currency})
    status = 200
    if request.method == "POST":
        form = OfferForm(request.POST)
        if form.is_valid():
            try:
                offer = intents.offer_make(
                    organization=organization,
                    intent=intent,
                    author=request.user,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                if offer.status == "blocked":
                    messages.error(request, f"Offer not sent: {offer.blocked_reason}")
                else:
                    messages.success(request, "Offer sent.")
                return redirect("staff-intent", org=organization.slug, pk=intent.pk)
        status = 400
    return render(
        request,
        "deals/staff_intent.html",
        {
            "intent": intent,
            "own_customer": intent.organization_id == organization.pk,
            "refusal": intents.intent_refusal(intent),
            "offers": selectors.offers_of_organization(organization=organization, intent=intent),
            "form": form,
        },
        status=status,
    )


@staff_required("deal.read")
def deal_list(request: StaffRequest) -> HttpResponse:
    organization = request.organization
    status = request.GET.get("status", DealStatus.ACTIVE)
    status = status if status in DealStatus.values or status == "all" else DealStatus.ACTIVE
    form = DealNewForm(organization=organization)
    code = 200
    if request.method == "POST":
        form = DealNewForm(request.POST, organization=organization)
        if form.is_valid():
            data = form.cleaned_data
            customer = customer_get(organization=organization, pk=data["customer"])
            if customer is None:
                form.add_error("customer", "No such customer.")
            else:
                try:
                    deal = services.deal_create(
                        organization=organization,
                        customer=customer,
                        actor=request.user,
                        title=data["title"],
                        stage_id=data["stage"],
                        owner=_owner(organization, data["owner"]),
                        value=data["value"],
                        currency=data["currency"],
                        expected_on=data["expected_on"],
                        next_step=data["next_step"],
                    )
                except ValidationError as exc:
                    form.add_error(None, errors_text(exc))
                else:
                    messages.success(request, "Deal opened.")
                    return redirect("staff-deal", org=organization.slug, pk=deal.pk)
        code = 400
    deals = selectors.deals_for_staff(
        organization=organization, status="" if status == "all" else status
    )
    return render(
        request,
        "deals/staff_deals.html",
        {"deals": deals[:200], "status": status, "statuses": DealStatus.choices, "form": form},
        status=code,
    )


def _errors(form: forms.Form) -> str:
    return "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())


def _owner(organization: Any, user_id: int | None) -> Any:
    if user_id is None:
        return None
    from sayso.core.selectors import staff_member_get

    membership = staff_member_get(organization=organization, user_id=user_id)
    if membership is None:
        raise ValidationError("That person is not on the staff.")
    return membership.user


def _deal_action(request: StaffRequest, deal: Deal, action: str) -> forms.Form:
    """Run one of the deal page's forms; the form (with its errors) is returned."""
    organization = request.organization
    form: forms.Form
    if action == "update":
        form = DealForm(request.POST, organization=organization)
        if form.is_valid():
            data = form.cleaned_data
            services.deal_update(
                deal=deal,
                actor=request.user,
                title=data["title"],
                owner=_owner(organization, data["owner"]),
                value=data["value"],
                currency=data["currency"],
                expected_on=data["expected_on"],
                next_step=data["next_step"],
            )
    elif action == "move":
        form = DealMoveForm(request.POST, organization=organization)
        if form.is_valid():
            services.deal_move(
                deal=deal,
                stage_id=form.cleaned_data["stage"],
                actor=request.user,
                next_step=form.cleaned_data["next_step"] or None,
            )
    elif action == "promise":
        form = DealPromiseForm(request.POST)
        if form.is_valid():
            services.deal_promise(deal=deal, actor=request.user, **form.cleaned_data)
    elif action in services.DEAL_CHANGES:
        form = ReasonForm(request.POST)
        if form.is_valid():
            services.deal_status_set(
                deal=deal, action=action, actor=request.user, reason=form.cleaned_data["reason"]
            )
    else:
        raise ValidationError("Choose what to do with the deal.")
    return form


@staff_required("deal.read")
def deal_detail(request: StaffRequest, pk: int) -> HttpResponse:
    organization = request.organization
    deal = get_or_404(selectors.deal_get, pk, organization=organization, message="No such deal.")
    error = ""
    if request.method == "POST":
        try:
            form = _deal_action(request, deal, request.POST.get("action", ""))
        except ValidationError as exc:
            error = errors_text(exc)
        else:
            if form.is_valid():
                messages.success(request, "Deal saved.")
                return redirect("staff-deal", org=organization.slug, pk=deal.pk)
            error = _errors(form)
    initial = {
        "title": deal.title,
        "owner": deal.owner_id,
        "value": deal.value,
        "currency": deal.currency,
        "expected_on": deal.expected_on,
        "next_step": deal.next_step,
    }
    return render(
        request,
        "deals/staff_deal.html",
        {
            "deal": deal,
            "error": error,
            "form": DealForm(initial=initial, organization=organization),
            "move_form": DealMoveForm(
                initial={"stage": deal.stage_id, "next_step": deal.next_step},
                organization=organization,
            ),
            "promise_form": DealPromiseForm(),
            "reason_form": ReasonForm(),
            "commitments": deal.case.commitments.all() if deal.case else [],
        },
        status=400 if error else 200,
    )


# The selling page's forms that add something: the form, and the service given its data.
_ADDS: dict[str, tuple[type[forms.Form], Callable[..., Any]]] = {
    "stage-add": (StageForm, process.stage_create),
    "promise-add": (PromiseForm, process.promise_add),
    "category-add": (CategoryForm, intents.category_add),
}
# Those that change or remove one row: how to find it (``pk``), and the service.
_ROWS: dict[str, tuple[Callable[..., Any], Callable[..., Any], str]] = {
    "stage-update": (selectors.stage_get, process.stage_update, "stage"),
    "stage-delete": (selectors.stage_get, process.stage_delete, "stage"),
    "promise-remove": (selectors.promise_get, process.promise_remove, "promise"),
    "category-remove": (selectors.category_get, intents.category_remove, "category"),
}


def _selling_action(request: StaffRequest, action: str) -> forms.Form | None:
    organization = request.organization
    actor = request.user
    if action in _ADDS:
        form_class, add = _ADDS[action]
        form = form_class(request.POST)
        if form.is_valid():
            add(organization=organization, actor=actor, **form.cleaned_data)
        return form
    if action not in _ROWS:
        raise ValidationError("Choose what to change.")
    get, change, name = _ROWS[action]
    row = get_or_404(
        get, request.POST.get("pk", ""), organization=organization, message=f"No such {name}."
    )
    if action != "stage-update":
        change(**{name: row}, actor=actor)
        return None
    form = StageForm(request.POST)
    if form.is_valid():
        change(stage=row, actor=actor, **form.cleaned_data)
    return form


@staff_required("deal.read")
def selling_process_edit(request: StaffRequest) -> HttpResponse:
    """The selling process as the public sees it, with the admins' tools to change it: stages,
    promises and the categories the organization serves."""
    organization = request.organization
    error = ""
    if request.method == "POST":
        if not may(request.membership, "selling_process.edit"):
            raise PermissionDenied("Only an admin can change the selling process.")
        try:
            form = _selling_action(request, request.POST.get("action", ""))
        except ValidationError as exc:
            error = errors_text(exc)
        else:
            if form is None or form.is_valid():
                messages.success(request, "The selling process is saved.")
                return redirect("staff-selling-process", org=organization.slug)
            error = _errors(form)
    return render(
        request,
        "deals/staff_selling_process.html",
        {
            "error": error,
            "is_admin": may(request.membership, "selling_process.edit"),
            "stages": selectors.stages_of(organization=organization),
            "promises": selectors.promises_of(organization=organization),
            "categories": selectors.categories_of(organization=organization),
            "stage_form": StageForm(),
            "promise_form": PromiseForm(),
            "category_form": CategoryForm(),
        },
        status=400 if error else 200,
    )
