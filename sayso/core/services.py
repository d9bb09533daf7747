"""Writes for organizations, memberships, API tokens and the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sayso.core.mail import MailKind, mail_queue
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


def _active_admins(organization: Organization) -> int:
    return Membership.objects.filter(
        organization=organization, role=Role.ADMIN, is_active=True, user__is_active=True
    ).count()


@transaction.atomic
def membership_invite(
    *,
    organization: Organization,
    email: str,
    name: str = "",
    role: str = Role.AGENT,
    team: Team | None = None,
    actor: Any = None,
) -> tuple[Membership, bool]:
    """Add a staff member by email. A new person gets an account without a password and an
    email with a link to choose one. Returns the membership and whether an invite was sent."""
    from django.contrib.auth import get_user_model
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{email}” is not a valid email address.") from None
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("id").first()
    created = user is None
    if user is None:
        base = slugify(email.split("@")[0])[:100] or "staff"
        username = base
        n = 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}{n}"
        first, _, last = " ".join((name or "").split()).partition(" ")
        user = User.objects.create_user(
            username=username, email=email, first_name=first[:150], last_name=last[:150]
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    existing = Membership.objects.filter(organization=organization, user=user).first()
    if existing is not None and existing.is_active:
        raise ValidationError(f"{email} is already staff of {organization.name}.")
    membership = membership_add(organization=organization, user=user, role=role, team=team)
    audit_record(
        organization=organization,
        actor=actor,
        action="membership.invite",
        obj=membership,
        data={"email": email, "role": role},
    )
    if created:
        _invite_mail_queue(membership)
    return membership, created


def _invite_mail_queue(membership: Membership) -> None:
    """Queue the invitation (sent by the outbox after commit, never in the request)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = membership.user
    path = reverse(
        "staff-password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    mail_queue(
        kind=MailKind.INVITATION,
        key=f"membership:{membership.pk}",
        organization=membership.organization,
        to=user.email,
        subject=f"You have been added to {membership.organization.name} on Sayso",
        body=(
            f"Hello,\n\nYou are now {membership.get_role_display().lower()} staff of "
            f"{membership.organization.name}. Choose a password to sign in (your username is "
            f"{user.get_username()}):\n\n{settings.SAYSO_BASE_URL}{path}\n"
        ),
        secret=True,
    )


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: Any,
    role: str | None = None,
    team: Team | bool | None = False,
    reports_to: Any = False,
    is_active: bool | None = None,
) -> Membership:
    """Change a member's role, team, manager or access. The last active admin of an
    organization cannot be demoted or deactivated. ``False`` means "leave unchanged"."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    organization = membership.organization
    changes: dict[str, Any] = {}
    if role is not None and role != membership.role:
        if role not in Role.values:
            raise ValidationError(f"Unknown role “{role}”.")
        changes["role"] = role
    if team is not False:
        if isinstance(team, Team) and team.organization_id != organization.pk:
            raise ValidationError("That team belongs to another organization.")
        changes["team"] = team
    if reports_to is not False:
        if reports_to is not None:
            if reports_to.pk == membership.user_id:
                raise ValidationError("Nobody reports to themselves.")
            if not Membership.objects.filter(
                organization=organization, user=reports_to, is_active=True
            ).exists():
                raise ValidationError("A member can only report to staff of this organization.")
        changes["reports_to"] = reports_to
    if is_active is not None and is_active != membership.is_active:
        changes["is_active"] = is_active
    losing_admin = (
        membership.role == Role.ADMIN
        and membership.is_active
        and (changes.get("role", Role.ADMIN) != Role.ADMIN or changes.get("is_active") is False)
    )
    if losing_admin and _active_admins(organization) <= 1:
        raise ValidationError("An organization needs at least one admin.")
    for field, value in changes.items():
        setattr(membership, field, value)
    if changes:
        membership.save(update_fields=[*changes.keys(), "updated_at"])
        audit_record(
            organization=organization,
            actor=actor,
            action="membership.update",
            obj=membership,
            data={k: (v.pk if hasattr(v, "pk") else v) for k, v in changes.items()},
        )
    return membership
