"""Request and response schemas of the API (the API layer's only view of the models).

Datetimes are serialized as ISO 8601 with their offset (UTC as ``Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, BaseModel, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

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
from sayso.core.web import MAX_ID
from sayso.customers.models import Customer, Identity, IdentityKind


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value


# Every datetime in a response, in UTC: ``2025-05-01T09:30:00Z``.
Timestamp = Annotated[datetime, AfterValidator(_utc)]


def user_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


# Input -------------------------------------------------------------------------------------

# The largest id, number or count the API reads (``core.web.MAX_ID``): PostgreSQL's and
# SQLite's 64-bit integer (larger ids cannot exist, and some databases refuse to compare a
# column with them). An id or number in a body or query: 1 … 2**63 - 1, a 422 outside.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Query parameters: words to search for, a slug, ``me``/``none``/a user id.
SearchText = Annotated[str, StringConstraints(max_length=200)]
SimilarText = Annotated[str, StringConstraints(max_length=2000)]
Slug = Annotated[str, StringConstraints(max_length=120)]
UserChoice = Annotated[str, StringConstraints(max_length=20, pattern=r"^(me|none|[0-9]{1,19})?$")]
# One line of a list: a search query, a web origin, a competitor's name.
Line = Annotated[str, StringConstraints(max_length=500)]
# How many similar items to answer.
SimilarCount = Annotated[int, Field(ge=1, le=20)]
# Customer notes are a text column without a limit of its own: the API's.
NOTES_MAX = 10_000
# Message bodies: SAYSO_MAX_MESSAGE_CHARS's default; a lower setting answers 400 beyond it.
MESSAGE_MAX = 100_000


def unreadable(text: str) -> PydanticCustomError | None:
    """Why ``text`` cannot be stored (a NUL, which PostgreSQL refuses, or half of a UTF-16
    surrogate pair, which no database encodes), or None."""
    if "\x00" in text:
        return PydanticCustomError(
            "string_nul", "The text contains a NUL character (U+0000), which is not allowed."
        )
    if any("\ud800" <= char <= "\udfff" for char in text):
        return PydanticCustomError(
            "string_surrogate",
            "The text contains a lone surrogate (U+D800 to U+DFFF), which is not a character.",
        )
    return None


def _check_text(value: Any) -> None:
    """Every string in a field's value (list items, dict keys and values), however nested;
    nested schemas check their own fields."""
    if isinstance(value, str):
        problem = unreadable(value)
        if problem is not None:
            raise problem
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list | tuple | set | frozenset) and not isinstance(value, BaseModel):
        for item in value:
            _check_text(item)


class InputSchema(Schema):
    """The base of every request body: a JSON object (a list, a string or null is a 422) whose
    strings hold only characters a database can store (no NUL, no lone surrogate: a 422 naming
    the field). Lengths are each field's own ``max_length``."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja's own validator has wrapped the input by now, to read objects' attributes.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise PydanticCustomError("json_object", "Send a JSON object.")
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _readable(cls, value: Any) -> Any:
        _check_text(value)
        return value


# Errors ------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(..., examples=["Not found."])


class ProblemOut(Schema):
    type: str = Field(..., examples=["string_too_long"])
    loc: list[str | int] = Field(
        ...,
        description="Where: `body`, `query` or `path`, then the field.",
        examples=[["body", "payload", "subject"]],
    )
    msg: str = Field(..., examples=["String should have at most 300 characters"])
    ctx: dict[str, Any] | None = None


class ValidationErrorOut(Schema):
    detail: list[ProblemOut]


def errors(*codes: int) -> dict[int, type[Schema]]:
    """Response declarations for the error statuses an operation can answer: 422 (the input
    does not match the schema) with the list of problems, the others with a ``detail``."""
    return {code: ValidationErrorOut if code == 422 else ErrorOut for code in codes}


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
    """A customer as the staff know them (cases, merges)."""

    id: int
    display_name: str


class PublicCustomerRef(Schema):
    """A customer as the public sees them: the name they are shown by, never an address
    (on ideas, questions, answers, comments, reviews)."""

    id: int
    public_name: str = Field(
        ..., description="The name shown in public: chosen by the customer, never an address."
    )


# Customers and identities ------------------------------------------------------------------


class IdentityIn(InputSchema):
    kind: IdentityKind
    value: str = Field(max_length=320)
    label: str = Field("", max_length=200)


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
    public_name: str = Field(..., description="The name shown in public (never an address).")
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


class CustomerCreateIn(InputSchema):
    display_name: str = Field("", max_length=200)
    notes: str = Field("", max_length=NOTES_MAX)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)


class CustomerPatchIn(InputSchema):
    display_name: str | None = Field(None, max_length=200)
    public_name: str | None = Field(
        None, max_length=200, description="The name shown in public; not an address or phone."
    )
    notes: str | None = Field(None, max_length=NOTES_MAX)


class MergeIn(InputSchema):
    source_id: Id = Field(..., description="The customer merged into the one in the path.")


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


class CaseCreateIn(InputSchema):
    customer_id: Id
    subject: str = Field(
        "", max_length=300, description="Default: the start of the body's first line."
    )
    body: str = Field(max_length=MESSAGE_MAX)
    channel: Channel = Channel.API
    priority: Priority = Priority.NORMAL
    visibility: Literal["public", "private"] = "private"
    external_id: str = Field(
        "",
        max_length=500,
        description="The message's id in your system; re-posting it returns the same case.",
    )


class CasePatchIn(InputSchema):
    status: CaseStatus | None = None
    priority: Priority | None = None
    subject: str | None = Field(None, max_length=300)


class HandoffIn(InputSchema):
    to_user_id: Id | None = None
    to_team_id: Id | None = None
    note: str = Field(max_length=5000)


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


class MessageIn(InputSchema):
    kind: Literal["reply", "note", "inbound"] = Field(
        ...,
        description="reply: staff to customer; note: internal, staff only; "
        "inbound: from the customer (idempotent on external_id).",
    )
    body: str = Field(max_length=MESSAGE_MAX)
    visibility: Literal["public", "private", "internal"] | None = Field(
        None, description="reply and inbound: public or private (default); notes are internal."
    )
    external_id: str = Field("", max_length=500, description="inbound only.")
    channel: Channel = Field(Channel.API, description="inbound only.")
    sent_at: datetime | None = Field(None, description="inbound only.")


class MessageDeliveryOut(Schema):
    state: Literal["queued", "sending", "retrying", "delivered", "failed"] = Field(
        ...,
        description="queued and sending: on its way; retrying: the mail server could not take "
        "it yet, tried again at next_attempt_at; delivered: the mail server accepted it; "
        "failed: refused for good (an SMTP 5xx) or still failing after every attempt.",
    )
    attempts: int
    next_attempt_at: Timestamp | None = Field(None, description="retrying only.")
    last_error: str = Field(..., description="The mail server's reason, or why it was not sent.")
    delivered_at: Timestamp | None
    message_id: str = Field(..., description="The email's Message-ID, the same in every attempt.")


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
    delivery: MessageDeliveryOut | None = Field(
        None, description="An emailed reply's delivery (docs/email.md, 'Outgoing mail')."
    )
    created_at: Timestamp

    @staticmethod
    def resolve_delivery(obj: Message) -> Any:
        from sayso.notifications.outbox import mail_of_message

        mail = mail_of_message(obj)
        if mail is None:
            return None
        return {
            "state": mail.state,
            "attempts": mail.attempts,
            "next_attempt_at": mail.next_attempt_at if mail.state == "retrying" else None,
            "last_error": mail.last_error,
            "delivered_at": mail.delivered_at,
            "message_id": mail.message_id,
        }

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


class CommitmentIn(InputSchema):
    case_number: Id
    owner_id: Id | None = Field(None, description="A staff member's user id; default: you.")
    description: str = Field(max_length=500)
    due_at: datetime = Field(..., description="ISO 8601 with a time zone, in the future.")


class CommitmentCloseIn(InputSchema):
    note: str = Field("", max_length=500)


# Inbound email -----------------------------------------------------------------------------


class InboundEmailOut(Schema):
    message_id: int | None = Field(
        None, description="The stored message; null for automated mail (see `automated`)."
    )
    case_number: int | None = Field(
        None, description="Its case; for automated mail, the case it reports on, if any."
    )
    customer_id: int | None = Field(None, description="Null for automated mail.")
    created: bool = Field(..., description="False when this email was delivered before.")
    automated: str | None = Field(
        None,
        description="Set when no person wrote this email (bounce, delay, delivery_notice, "
        "read_receipt, abuse_report, auto_reply, notice, bulk): it opens no case and creates "
        "no customer; staff see it with the reason.",
    )
    automated_reason: str | None = Field(None, description="Why it was recognised as such.")
