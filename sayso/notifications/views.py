"""Staff alerts in the inbox, and the organization's mail that did not go out (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.web import errors_text, get_or_404
from sayso.notifications import outbox, selectors, services


@staff_required("alert.read")
def alert_list(request: StaffRequest) -> HttpResponse:
    alerts = selectors.alerts_for(organization=request.organization, recipient=request.user)[:200]
    return render(
        request,
        "notifications/alert_list.html",
        {
            "alerts": alerts,
            "alert_count": selectors.unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
        },
    )


@require_POST
@staff_required("alert.read")
def alerts_read(request: StaffRequest) -> HttpResponse:
    services.alerts_mark_all_read(organization=request.organization, recipient=request.user)
    return redirect("alert-list", org=request.organization.slug)


@staff_required("mail.manage")
def mail_list(request: StaffRequest) -> HttpResponse:
    """The organization's email that failed or waits to be retried, with a retry button."""
    mails = outbox.mail_needing_attention(organization=request.organization)[:200]
    return render(
        request,
        "notifications/mail_list.html",
        {
            "mails": mails,
            "alert_count": selectors.unread_alert_count(
                organization=request.organization, recipient=request.user
            ),
        },
    )


@require_POST
@staff_required("mail.manage")
def mail_retry(request: StaffRequest, pk: int) -> HttpResponse:
    mail = get_or_404(
        outbox.mail_get,
        pk,
        key="mail_id",
        organization=request.organization,
        message="No such mail.",
    )
    try:
        outbox.mail_retry(mail=mail, actor=request.user)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, f"The mail to {mail.recipient} is being sent again.")
    return redirect("mail-list", org=request.organization.slug)
