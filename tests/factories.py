"""Factories for tests: small functions that build valid rows through the services."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from sayso.conversations import commitments
from sayso.conversations import services as conversations
from sayso.conversations.models import Case, Channel, Commitment, Message
from sayso.core import services as core
from sayso.core.models import Membership, Organization, Role, Team
from sayso.customers import services as customers
from sayso.customers.models import Customer, IdentityKind

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_org(name: str = "", slug: str = "") -> Organization:
    n = next(_seq)
    return core.organization_create(
        name=name or f"Org {n}", slug=slug or f"org-{n}", support_email=f"help@org{n}.test"
    )


def make_user(username: str = "", *, email: str = "", first_name: str = "", **extra: Any) -> Any:
    n = next(_seq)
    username = username or f"user{n}"
    return get_user_model().objects.create_user(
        username=username,
        email=email or f"{username}@staff.test",
        password=PASSWORD,
        first_name=first_name or username.capitalize(),
        **extra,
    )


def make_member(
    org: Organization,
    role: str = Role.AGENT,
    *,
    username: str = "",
    team: Team | None = None,
    reports_to: Any = None,
) -> Membership:
    user = make_user(username)
    return core.membership_add(
        organization=org, user=user, role=role, team=team, reports_to=reports_to
    )


def make_customer(org: Organization, name: str = "", email: str = "", **kinds: str) -> Customer:
    n = next(_seq)
    identities = [(IdentityKind.EMAIL, email or f"customer{n}@example.com")]
    identities += [(kind, value) for kind, value in kinds.items()]
    return customers.customer_create(
        organization=org, display_name=name or f"Customer {n}", identities=identities
    )


def make_case(
    org: Organization,
    customer: Customer | None = None,
    *,
    subject: str = "",
    body: str = "Hello, I need help.",
    assignee: Any = None,
    channel: str = Channel.WEB,
) -> Case:
    customer = customer or make_customer(org)
    message, _ = conversations.message_receive(
        organization=org,
        customer=customer,
        channel=channel,
        body=body,
        subject=subject or f"Question {next(_seq)}",
    )
    case = message.case
    if assignee is not None:
        case.assignee = assignee
        case.save(update_fields=["assignee"])
    return case


def make_commitment(
    case: Case, owner: Any, *, hours: float = 24, description: str = "Call the customer back"
) -> Commitment:
    return commitments.commitment_make(
        case=case,
        owner=owner,
        description=description,
        due_at=timezone.now() + timedelta(hours=hours),
        actor=owner,
    )


def inbound(org: Organization, case: Case, body: str, external_id: str = "") -> Message:
    message, _ = conversations.message_receive(
        organization=org,
        customer=case.customer,
        channel=Channel.EMAIL if external_id else Channel.PORTAL,
        body=body,
        case=case,
        external_id=external_id,
    )
    return message
