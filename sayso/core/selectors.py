"""Reads for organizations, memberships and tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sayso.core.models import ApiToken, Membership, Organization, Role, Team, token_digest


def membership_for(*, user: Any, organization: Organization) -> Membership | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return (
        Membership.objects.select_related("organization", "team")
        .filter(user=user, organization=organization, is_active=True)
        .first()
    )


def memberships_of(*, user: Any) -> QuerySet[Membership]:
    return Membership.objects.select_related("organization").filter(
        user=user, is_active=True, user__is_active=True
    )


def staff_of(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user", "team")
        .filter(organization=organization, is_active=True, user__is_active=True)
        .order_by("user__first_name", "user__username")
    )


def managers_of(*, membership: Membership) -> list[Any]:
    """Whom to alert above this person: whom they report to, else their team lead, else
    every manager and admin of the organization."""
    if membership.reports_to is not None and membership.reports_to.is_active:
        return [membership.reports_to]
    if membership.team_id is not None and membership.team and membership.team.lead_id:
        lead = membership.team.lead
        if lead is not None and lead.pk != membership.user_id:
            return [lead]
    return [
        m.user
        for m in staff_of(organization=membership.organization).filter(
            role__in=[Role.MANAGER, Role.ADMIN]
        )
        if m.user_id != membership.user_id
    ]


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token with this raw value, its membership and organization; else None."""
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__team", "organization")
        .filter(digest=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    membership = token.membership
    if not membership.is_active or not membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_tokens_of(*, membership: Membership) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(membership=membership).order_by("-created_at")


def organization_by_slug(*, slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def staff_member_get(*, organization: Organization, user_id: int) -> Membership | None:
    """The active staff membership of this user in this organization, else None."""
    return staff_of(organization=organization).filter(user_id=user_id).first()


def team_get(*, organization: Organization, pk: int) -> Team | None:
    return Team.objects.select_related("lead").filter(organization=organization, pk=pk).first()
