"""Consent pages: the customer's one page in the portal, staff's view of a customer's consent
(record a choice on the customer's word, start a conversation through the guard), receipts,
the published receipt key, and campaigns."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sayso.consent import receipts, selectors, services
from sayso.consent.forms import CampaignForm, ConsentForm, OutreachForm, StaffRecordForm
from sayso.consent.guard import attempt_in_words, customer_zone, outreach_attempt
from sayso.consent.models import ConsentRecord, Method, Purpose, Segment
from sayso.core.models import Team
from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.roles import may
from sayso.core.selectors import organization_by_slug
from sayso.core.web import errors_text, get_or_404, rate_limited
from sayso.customers.models import Customer
from sayso.customers.portal_session import PortalRequest, portal_view
from sayso.customers.selectors import customer_get
from sayso.notifications.selectors import unread_alert_count


def _notice_texts(organization: Any) -> dict[str, str]:
    """What each purpose's notice says now (the default text until the organization writes
    its own; the first decision stores it as version 1)."""
    notices = selectors.notices_current(organization=organization)
    return {
        purpose: notice.text if notice is not None else services.DEFAULT_NOTICES[Purpose(purpose)]
        for purpose, notice in notices.items()
    }


def _attempts_in_words(organization: Any, customer: Customer, preferences: Any) -> list[Any]:
    zone = customer_zone(preferences)
    attempts = selectors.attempts_of(organization=organization, customer=customer)[:100]
    return [(attempt, attempt_in_words(attempt, zone)) for attempt in attempts]


def _receipt_response(record: ConsentRecord) -> HttpResponse:
    response = HttpResponse(receipts.receipt_sign(record), content_type="application/jose")
    response["Content-Disposition"] = (
        f'attachment; filename="consent-receipt-{record.receipt_id}.jws"'
    )
    return response


# --- the portal -----------------------------------------------------------------------------


@portal_view(sign_in_required=True)
def portal_consent(request: PortalRequest) -> HttpResponse:
    """The customer's one page: every channel and purpose with the notice shown, contact
    preferences, their decisions with receipts, and who tried to reach them."""
    organization = request.organization
    customer = request.customer
    assert customer is not None
    current = selectors.consent_current(organization=organization, customer=customer)
    preferences = selectors.preferences_of(organization=organization, customer=customer)
    status = 200
    if request.method == "POST":
        if (limited := rate_limited(request, organization, "portal-consent")) is not None:
            return limited
        form = ConsentForm(request.POST, current=current)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.consent_record_many(
                        customer=customer,
                        choices=form.choices(),
                        method=Method.PORTAL,
                        location=request.path,
                    )
                    services.preferences_set(
                        customer=customer,
                        time_zone=data["time_zone"],
                        quiet_start=data["quiet_start"],
                        quiet_end=data["quiet_end"],
                        not_before=data["not_before"],
                        max_per_week=data["max_per_week"],
                    )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                messages.success(request, "Your choices are saved.")
                return redirect("portal-consent", org=organization.slug)
        status = 400
    else:
        initial: dict[str, Any] = {"time_zone": "UTC"}
        if preferences is not None:
            initial = {
                "time_zone": preferences.time_zone,
                "quiet_start": preferences.quiet_start,
                "quiet_end": preferences.quiet_end,
                "not_before": preferences.not_before,
                "max_per_week": preferences.max_per_week,
            }
        form = ConsentForm(current=current, initial=initial)
    return render(
        request,
        "consent/portal_consent.html",
        {
            "organization": organization,
            "customer": customer,
            "form": form,
            "rows": form.rows(_notice_texts(organization)),
            "history": selectors.consent_history(organization=organization, customer=customer)[
                :200
            ],
            "attempts": _attempts_in_words(organization, customer, preferences),
        },
        status=status,
    )


@require_GET
@portal_view(sign_in_required=True)
def portal_consent_receipt(request: PortalRequest, receipt_id: Any) -> HttpResponse:
    assert request.customer is not None
    record = selectors.consent_record_get(
        organization=request.organization, customer=request.customer, receipt_id=receipt_id
    )
    if record is None:
        raise Http404("No such decision.")
    return _receipt_response(record)


@require_GET
def receipt_keys(request: HttpRequest, org: str) -> HttpResponse:
    """The public key (a JWK set) that verifies this organization's consent receipts."""
    if organization_by_slug(slug=org) is None:
        raise Http404("No such organization.")
    return JsonResponse(receipts.public_key_set())


# --- staff ----------------------------------------------------------------------------------


def _customer_or_404(request: StaffRequest, pk: int) -> Customer:
    return get_or_404(
        customer_get, pk, organization=request.organization, message="No such customer."
    )


@staff_required("consent.read")
def staff_consent(request: StaffRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    organization = request.organization
    preferences = selectors.preferences_of(organization=organization, customer=customer)
    return render(
        request,
        "consent/staff_consent.html",
        {
            "customer": customer,
            "current": selectors.consent_current(organization=organization, customer=customer),
            "history": selectors.consent_history(organization=organization, customer=customer)[
                :300
            ],
            "preferences": preferences,
            "preferences_words": services.preferences_in_words(preferences) if preferences else "",
            "attempts": _attempts_in_words(organization, customer, preferences),
            "record_form": StaffRecordForm(),
            "outreach_form": OutreachForm(),
            "alert_count": unread_alert_count(organization=organization, recipient=request.user),
        },
    )


@require_POST
@staff_required("consent.record")
def staff_consent_record(request: StaffRequest, pk: int) -> HttpResponse:
    """A choice the customer made by phone, letter or in person, recorded with a note."""
    customer = _customer_or_404(request, pk)
    form = StaffRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a channel, a purpose and a choice, and say how you know.")
    else:
        try:
            services.consent_record(
                customer=customer,
                channel=form.cleaned_data["channel"],
                purpose=form.cleaned_data["purpose"],
                choice=form.cleaned_data["choice"],
                method=Method.STAFF,
                location="staff",
                actor=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, "Recorded, with your note.")
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
    return redirect("staff-consent", org=request.organization.slug, pk=customer.pk)


@require_POST
@staff_required("outreach.send")
def staff_outreach(request: StaffRequest, pk: int) -> HttpResponse:
    """Start a conversation with the customer, through the guard; the result is shown."""
    customer = _customer_or_404(request, pk)
    form = OutreachForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a channel and a purpose, and write a subject and message.")
        return redirect("staff-consent", org=request.organization.slug, pk=customer.pk)
    key = request.POST.get("submission_id", "")[:100]
    try:
        result = outreach_attempt(
            organization=request.organization,
            customer=customer,
            channel=form.cleaned_data["channel"],
            purpose=form.cleaned_data["purpose"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            actor=request.user,
            idempotency_key=f"web:{request.user.pk}:{key}" if key else "",
            hold=form.cleaned_data["hold"],
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("staff-consent", org=request.organization.slug, pk=customer.pk)
    if result.held and result.next_allowed_at is not None:
        zone = customer_zone(
            selectors.preferences_of(organization=request.organization, customer=customer)
        )
        goes = result.next_allowed_at.astimezone(zone)
        messages.info(
            request,
            f"Held for the customer's quiet hours: it goes at {goes:%H:%M} on {goes.day} "
            f"{goes:%b} their time ({zone.key}) if their settings still allow it then.",
        )
    elif not result.allowed:
        messages.error(request, f"Blocked: {result.reason}")
    elif result.case is not None:
        messages.success(request, f"Sent: case #{result.case.number} started.")
        return redirect("case-detail", org=request.organization.slug, number=result.case.number)
    else:
        messages.success(request, f"Allowed. {result.reason}".strip())
    return redirect("staff-consent", org=request.organization.slug, pk=customer.pk)


@require_GET
@staff_required("consent.read")
def staff_consent_receipt(request: StaffRequest, pk: int, receipt_id: Any) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    record = selectors.consent_record_get(
        organization=request.organization, customer=customer, receipt_id=receipt_id
    )
    if record is None:
        raise Http404("No such decision.")
    return _receipt_response(record)


@staff_required("outreach.read")
def campaign_list(request: StaffRequest) -> HttpResponse:
    """Campaigns and their reports; managers start new ones."""
    organization = request.organization
    form = CampaignForm()
    status = 200
    if request.method == "POST":
        if not may(request.membership, "campaign.send"):
            raise PermissionDenied("Only a manager can send a campaign.")
        form = CampaignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            team = (
                Team.objects.filter(organization=organization, pk=data["team"]).first()
                if data["team"]
                else None
            )
            try:
                campaign = services.campaign_create(
                    organization=organization,
                    actor=request.user,
                    name=data["name"],
                    channel=data["channel"],
                    purpose=data["purpose"],
                    subject=data["subject"],
                    body=data["body"],
                    segment=data["segment"],
                    team=team,
                    customer_ids=data["customer_ids"],
                )
            except ValidationError as exc:
                form.add_error(None, errors_text(exc))
            else:
                messages.success(request, "Campaign queued: each message goes through the guard.")
                return redirect("campaign-detail", org=organization.slug, campaign_pk=campaign.pk)
        status = 400
    campaigns = [
        (campaign, selectors.campaign_report(campaign=campaign))
        for campaign in selectors.campaign_list(organization=organization)[:50]
    ]
    return render(
        request,
        "consent/campaign_list.html",
        {
            "campaigns": campaigns,
            "form": form,
            "teams": Team.objects.filter(organization=organization).order_by("name"),
            "segments": Segment.choices,
            "alert_count": unread_alert_count(organization=organization, recipient=request.user),
        },
        status=status,
    )


@require_GET
@staff_required("outreach.read")
def campaign_detail(request: StaffRequest, campaign_pk: int) -> HttpResponse:
    campaign = get_or_404(
        selectors.campaign_get,
        campaign_pk,
        organization=request.organization,
        message="No such campaign.",
    )
    return render(
        request,
        "consent/campaign_detail.html",
        {
            "campaign": campaign,
            "report": selectors.campaign_report(campaign=campaign),
            "reason_labels": dict(BLOCK_LABELS),
            "alert_count": unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
        },
    )


BLOCK_LABELS = [
    ("unreachable", "no address on that channel"),
    ("not_connected", "channel not connected"),
    ("no_consent", "no consent"),
    ("not_before", "the customer's “not before” date"),
    ("quiet_hours", "quiet hours"),
    ("frequency", "weekly limit"),
]
