"""Request and response schemas of the API (the API layer's only view of the models).

Datetimes are serialized as ISO 8601 with their offset (UTC as ``Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from sayso.conversations.models import (
    CaseStatus,
    Channel,
    CommitmentStatus,
    Direction,
    Message,
    Priority,
    Visibility,
)
from sayso.conversations.selectors import commitment_is_overdue
from sayso.customers.models import Customer, Identity, IdentityKind


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value


# Every datetime in a response, in UTC: ``2025-05-01T09:30:00Z``.
Timestamp = Annotated[datetime, AfterValidator(_utc)]


def user_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


# Errors ------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(..., examples=["Not found."])


def errors(*codes: int) -> dict[int, type[Schema]]:
    """Response declarations for the error statuses an operation can answer."""
    return dict.fromkeys(codes, ErrorOut)


# Shared references -------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return user_name(obj)


class TeamRef(Schema):
    id: int
    name: str


class CustomerRef(Schema):
    id: int
    display_name: str


# Customers and identities ------------------------------------------------------------------


class IdentityIn(Schema):
    kind: IdentityKind
    value: str
    label: str = ""


class IdentityOut(Schema):
    id: int
    kind: str
    value: str
    label: str
    verified_at: Timestamp | None
    created_at: Timestamp


class CustomerOut(Schema):
    id: int
    display_name: str
    notes: str
    is_active: bool = Field(..., description="False while merged into another customer.")
    merged_into_id: int | None
    identities: list[IdentityOut]
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_identities(obj: Customer) -> list[Identity]:
        """Each kind and value once (a merge may leave the same value twice on a customer)."""
        seen: set[tuple[str, str]] = set()
        result = []
        for identity in sorted(obj.identities.all(), key=lambda i: (i.kind, i.value, i.pk)):
            if (identity.kind, identity.value) not in seen:
                seen.add((identity.kind, identity.value))
                result.append(identity)
        return result


class CustomerCreateIn(Schema):
    display_name: str = ""
    notes: str = ""
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)


class CustomerPatchIn(Schema):
    display_name: str | None = None
    notes: str | None = None


class MergeIn(Schema):
    source_id: int = Field(..., description="The customer merged into the one in the path.")


class MergeOut(Schema):
    id: int
    source: CustomerRef
    target: CustomerRef
    merged_by: UserRef | None
    created_at: Timestamp
    undone_at: Timestamp | None


class MergeSuggestionOut(Schema):
    kind: str
    value: str
    customers: list[CustomerRef]


# Cases, hand-offs and messages -------------------------------------------------------------


class CaseOut(Schema):
    number: int
    subject: str
    status: CaseStatus
    priority: Priority
    channel: str
    customer: CustomerRef
    assignee: UserRef | None
    team: TeamRef | None
    last_message_at: Timestamp | None
    resolved_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class CaseCreateIn(Schema):
    customer_id: int
    subject: str = ""
    body: str
    channel: Channel = Channel.API
    priority: Priority = Priority.NORMAL
    visibility: Literal["public", "private"] = "private"
    external_id: str = Field(
        "",
        max_length=500,
        description="The message's id in your system; re-posting it returns the same case.",
    )


class CasePatchIn(Schema):
    status: CaseStatus | None = None
    priority: Priority | None = None
    subject: str | None = None


class HandoffIn(Schema):
    to_user_id: int | None = None
    to_team_id: int | None = None
    note: str


class HandoffOut(Schema):
    id: int
    case_number: int
    from_user: UserRef | None
    from_team: TeamRef | None
    to_user: UserRef | None
    to_team: TeamRef | None
    note: str
    by: UserRef | None
    created_at: Timestamp

    @staticmethod
    def resolve_case_number(obj: Any) -> int:
        return int(obj.case.number)


class MessageIn(Schema):
    kind: Literal["reply", "note", "inbound"] = Field(
        ...,
        description="reply: staff to customer; note: internal, staff only; "
        "inbound: from the customer (idempotent on external_id).",
    )
    body: str
    visibility: Literal["public", "private", "internal"] | None = Field(
        None, description="reply and inbound: public or private (default); notes are internal."
    )
    external_id: str = Field("", max_length=500, description="inbound only.")
    channel: Channel = Field(Channel.API, description="inbound only.")
    sent_at: datetime | None = Field(None, description="inbound only.")


class MessageOut(Schema):
    id: int
    direction: Direction
    channel: str
    visibility: Visibility
    author: str = Field(..., description="The staff member's name or the customer's identity.")
    author_user_id: int | None
    author_identity_id: int | None
    subject: str
    body: str
    external_id: str
    sent_at: Timestamp
    delivered_at: Timestamp | None
    created_at: Timestamp

    @staticmethod
    def resolve_author(obj: Message) -> str:
        if obj.author_user is not None:
            return user_name(obj.author_user)
        if obj.author_identity is not None:
            return obj.author_identity.value
        return "customer" if obj.direction == Direction.INBOUND else ""


# Commitments -------------------------------------------------------------------------------


class CommitmentOut(Schema):
    id: int
    case_number: int
    customer_id: int
    description: str
    owner: UserRef
    due_at: Timestamp
    status: CommitmentStatus
    overdue: bool
    breached_at: Timestamp | None
    closed_at: Timestamp | None
    closing_note: str
    created_at: Timestamp

    @staticmethod
    def resolve_case_number(obj: Any) -> int:
        return int(obj.case.number)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return commitment_is_overdue(obj)


class CommitmentIn(Schema):
    case_number: int
    owner_id: int | None = Field(None, description="A staff member's user id; default: you.")
    description: str
    due_at: datetime = Field(..., description="ISO 8601 with a time zone, in the future.")


class CommitmentCloseIn(Schema):
    note: str = ""


# Inbound email -----------------------------------------------------------------------------


class InboundEmailOut(Schema):
    message_id: int
    case_number: int
    customer_id: int
    created: bool = Field(..., description="False when this email was delivered before.")
