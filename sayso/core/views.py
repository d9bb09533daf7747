"""Home page, staff entry point, and admin settings (API tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sayso.core import selectors, services
from sayso.core.forms import InviteForm, MemberUpdateForm, OutboxPasswordResetForm
from sayso.core.models import Membership, Organization, Role, Scope, Team
from sayso.core.permissions import StaffRequest, staff_required
from sayso.core.ratelimit import client_key
from sayso.core.sign_in_throttling import password_reset_throttled
from sayso.core.web import errors_text, form_errors_text, get_or_404


def home(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.order_by("name")
    memberships = (
        selectors.memberships_of(user=request.user) if request.user.is_authenticated else []
    )
    return render(
        request, "core/home.html", {"organizations": organizations, "memberships": memberships}
    )


class StaffPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per client and per address asked for: beyond the
    limit nothing is sent, and the answer is the same "check your email" page as for any
    address, known or not, so the form tells no one which addresses have accounts. The email
    goes through the outbox (``OutboxPasswordResetForm``), never inside the request."""

    form_class = OutboxPasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        if password_reset_throttled(
            client=client_key(self.request), email=form.cleaned_data["email"]
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    membership = selectors.memberships_of(user=request.user).order_by("created_at").first()
    if membership is None:
        return render(request, "core/no_membership.html", status=403)
    return redirect("inbox", org=membership.organization.slug)


@staff_required("api_token.manage")
def api_tokens(request: StaffRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        scopes = request.POST.getlist("scopes")
        try:
            _, new_token = services.api_token_create(
                membership=request.membership, name=request.POST.get("name", ""), scopes=scopes
            )
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
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
@staff_required("api_token.manage")
def api_token_revoke(request: StaffRequest, pk: int) -> HttpResponse:
    tokens = selectors.api_tokens_of(membership=request.membership)
    token = get_or_404(tokens, pk, message="No such token.")
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api-tokens", org=request.organization.slug)


@staff_required("member.manage")
def members(request: StaffRequest) -> HttpResponse:
    organization = request.organization
    form = InviteForm(organization=organization)
    if request.method == "POST":
        form = InviteForm(request.POST, organization=organization)
        if form.is_valid():
            try:
                membership, invited = services.membership_invite(
                    organization=organization,
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    team=form.cleaned_data["team"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error("email", errors_text(exc))
            else:
                note = " An invitation to choose a password was emailed." if invited else ""
                messages.success(request, f"{membership.user.email} is now staff.{note}")
                return redirect("members", org=organization.slug)
    all_members = (
        Membership.objects.filter(organization=organization)
        .select_related("user", "team", "reports_to")
        .order_by("-is_active", "user__first_name", "user__username")
    )
    return render(
        request,
        "core/members.html",
        {
            "members": all_members,
            "form": form,
            "roles": Role.choices,
            "teams": Team.objects.filter(organization=organization).order_by("name"),
            "staff": selectors.staff_of(organization=organization),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@staff_required("member.manage")
def member_update(request: StaffRequest, pk: int) -> HttpResponse:
    organization = request.organization
    memberships = Membership.objects.filter(organization=organization)
    membership = get_or_404(memberships, pk, message="No such member.")
    form = MemberUpdateForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("members", org=organization.slug)
    try:
        services.membership_update(
            membership=membership,
            actor=request.user,
            role=form.cleaned_data["role"],
            team=form.cleaned_data["team"],
            reports_to=form.cleaned_data["reports_to"],
            is_active=form.cleaned_data["is_active"],
        )
        messages.success(request, f"{membership.user} updated.")
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    return redirect("members", org=organization.slug)
