"""Staff pages for dead letters: background tasks that failed on every attempt allowed.

Organization admins see and retry their organization's; a site superuser sees every
organization's and the installation's own (tasks working for no organization)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.task_engine import services
from sayso.core.web import get_or_404


def _scope(request: StaffRequest) -> object:
    """The organization whose dead letters this person sees (None: all, superusers)."""
    return None if request.user.is_superuser else request.organization


@staff_required("dead_letter.manage")
def dead_letters(request: StaffRequest) -> HttpResponse:
    include_retried = request.GET.get("retried") == "1"
    found = services.dead_letter_list(
        organization=_scope(request),  # type: ignore[arg-type]
        include_retried=include_retried,
    )[:200]
    return render(
        request,
        "core/dead_letters.html",
        {"dead_letters": found, "include_retried": include_retried},
    )


@require_POST
@staff_required("dead_letter.manage")
def dead_letter_retry(request: StaffRequest, pk: int) -> HttpResponse:
    dead_letter = get_or_404(
        services.dead_letter_get,
        pk,
        key="dead_letter_id",
        organization=_scope(request),
        message="No such dead letter.",
    )
    if services.dead_letter_retry(dead_letter=dead_letter, actor=request.user):
        messages.success(request, f"{dead_letter.task_path} will run again.")
    else:
        messages.info(request, f"{dead_letter.task_path} was already retried.")
    return redirect("dead-letters", org=request.organization.slug)
