"""Writes for organizations, memberships, API tokens and the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sayso.core.models import (
    RESERVED_SLUGS,
    ApiToken,
    AuditEntry,
    Membership,
    Organization,
    Role,
    Scope,
    Team,
    token_digest,
)

User = Any  # the configured user model; typed loosely to keep services storage-agnostic


def audit_record(
    *,
    organization: Organization,
    actor: Any,
    action: str,
    obj: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        organization=organization,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )


@transaction.atomic
def organization_create(*, name: str, slug: str = "", support_email: str = "") -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError("An organization needs a name.")
    slug = slugify(slug or name)[:60]
    if not slug or slug in RESERVED_SLUGS:
        raise ValidationError(f"“{slug}” cannot be used as an organization's address.")
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError(f"An organization with the address “{slug}” already exists.")
    return Organization.objects.create(name=name, slug=slug, support_email=support_email)


@transaction.atomic
def team_create(*, organization: Organization, name: str, lead: Any = None) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError("A team needs a name.")
    team, _ = Team.objects.get_or_create(organization=organization, name=name)
    if lead is not None and team.lead_id != lead.pk:
        team.lead = lead
        team.save(update_fields=["lead", "updated_at"])
    return team


@transaction.atomic
def membership_add(
    *,
    organization: Organization,
    user: Any,
    role: str = Role.AGENT,
    team: Team | None = None,
    reports_to: Any = None,
) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role “{role}”.")
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError("That team belongs to another organization.")
    membership, _ = Membership.objects.update_or_create(
        organization=organization,
        user=user,
        defaults={"role": role, "team": team, "reports_to": reports_to, "is_active": True},
    )
    return membership


@transaction.atomic
def api_token_create(
    *, membership: Membership, name: str, scopes: Iterable[str]
) -> tuple[ApiToken, str]:
    """Create a token; returns it with its raw value, which is never stored nor shown again."""
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in Scope.values]
    if unknown:
        raise ValidationError(f"Unknown scope(s): {', '.join(unknown)}.")
    if not scopes:
        raise ValidationError("Choose at least one scope.")
    name = name.strip() or "API token"
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        organization=membership.organization,
        membership=membership,
        name=name[:120],
        digest=token_digest(raw),
        prefix=raw[:12],
        scopes=scopes,
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="api_token.create",
        obj=token,
        data={"scopes": scopes},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            organization=token.organization, actor=actor, action="api_token.revoke", obj=token
        )
    return token
