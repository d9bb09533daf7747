"""Staff alerts in the inbox."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core.models import Role
from sayso.core.permissions import StaffRequest, staff_required
from sayso.notifications import selectors, services


@staff_required(Role.AGENT)
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
@staff_required(Role.AGENT)
def alerts_read(request: StaffRequest) -> HttpResponse:
    services.alerts_mark_all_read(organization=request.organization, recipient=request.user)
    return redirect("alert-list", org=request.organization.slug)
