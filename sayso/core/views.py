"""Home page, staff entry point, and admin settings (API tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core import selectors, services
from sayso.core.models import Organization, Role, Scope
from sayso.core.permissions import StaffRequest, staff_required


def home(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.order_by("name")
    memberships = (
        selectors.memberships_of(user=request.user) if request.user.is_authenticated else []
    )
    return render(
        request, "core/home.html", {"organizations": organizations, "memberships": memberships}
    )


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    membership = selectors.memberships_of(user=request.user).order_by("created_at").first()
    if membership is None:
        return render(request, "core/no_membership.html", status=403)
    return redirect("inbox", org=membership.organization.slug)


@staff_required(Role.AGENT)
def api_tokens(request: StaffRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        scopes = request.POST.getlist("scopes")
        try:
            _, new_token = services.api_token_create(
                membership=request.membership, name=request.POST.get("name", ""), scopes=scopes
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(
        request,
        "core/api_tokens.html",
        {
            "tokens": selectors.api_tokens_of(membership=request.membership),
            "scopes": Scope.choices,
            "new_token": new_token,
        },
    )


@require_POST
@staff_required(Role.AGENT)
def api_token_revoke(request: StaffRequest, pk: int) -> HttpResponse:
    token = selectors.api_tokens_of(membership=request.membership).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api-tokens", org=request.organization.slug)
