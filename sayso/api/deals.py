"""Intents, offers, the selling process and deals (the staff side; customers publish and decide
in the portal).

Offers go out through the outreach guard like every other message to a customer: one it blocks
is answered 201 with ``status: "blocked"`` and the reason. An offer on an intent that no longer
takes them (closed at its deadline, withdrawn, accepted) is a 409 that says why; a validity or
deadline in the past, an unknown category or stage, a 422 naming the field.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.pagination import paginate
from pydantic import BeforeValidator, StringConstraints, WithJsonSchema, field_validator

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import customer_or_404, one_or_404, staff_user_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import (
    CommitmentOut,
    Id,
    InputSchema,
    Timestamp,
    UserRef,
    errors,
)
from sayso.core.models import Scope
from sayso.core.web import errors_text
from sayso.deals import checks, intents, process, selectors, services
from sayso.deals.models import (
    Deal,
    DealStatus,
    Intent,
    IntentStatus,
    IntentVisibility,
    Offer,
    OfferStatus,
    ReplyChannel,
    SellingStage,
)

router = Router()
TAGS = ["intents and deals"]
READ = Scope.DEALS_READ
WRITE = Scope.DEALS_WRITE

Currency = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
MONEY_TEXT_MAX = 16  # "9999999999.99" and a little room for a sign or spaces


def _money_text(value: Any) -> Any:
    """An amount given as a string is read only when short (a number is bounded by its
    maximum; a string of a million digits would be parsed before being refused)."""
    if isinstance(value, str) and len(value) > MONEY_TEXT_MAX:
        raise ValueError(f"Give an amount of at most {MONEY_TEXT_MAX} characters.")
    return value


def _money(minimum: dict[str, float]) -> Any:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", **minimum, "maximum": 9999999999.99},
                {"type": "string", "maxLength": MONEY_TEXT_MAX, "pattern": r"^\d+(\.\d{1,2})?$"},
            ]
        }
    )


Amount = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2),
    _money({"minimum": 0}),
]
Price = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    Field(gt=0, le=Decimal("9999999999.99"), decimal_places=2),
    _money({"exclusiveMinimum": 0}),
]


def _future(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{what} needs a time zone.")
    if value <= timezone.now():
        raise ValueError(f"{what} must be in the future.")
    return value


def _problem(field: str, message: str, kind: str = "value_error") -> ValidationError:
    """A 422 in ninja's own shape, naming the body field."""
    return ValidationError([{"type": kind, "loc": ["body", "payload", field], "msg": message}])


def _refused(exc: DjangoValidationError, field: str = "") -> Exception:
    """A service's refusal as the API's answer: 409 for an intent or offer past taking it,
    422 for a deadline in the past or an unknown category or stage, 400 otherwise."""
    message = errors_text(exc)
    if isinstance(exc, checks.IntentClosed):
        return HttpError(409, message)
    if isinstance(exc, checks.DeadlineInPast | checks.UnknownChoice):
        return _problem(field or "body", message)
    return HttpError(400, message)


# --- schemas -------------------------------------------------------------------------------------


class IntentOut(Schema):
    id: int
    organization: str
    own_customer: bool = Field(
        ...,
        description="Whether the customer is this organization's (else another's, shown "
        "by public name only).",
    )
    customer_id: int | None
    customer_name: str
    title: str
    description: str
    category: str
    category_text: str
    details: str
    window_start: date | None
    window_end: date | None
    budget: Decimal | None
    currency: str
    reply_channel: ReplyChannel
    deadline: Timestamp
    visibility: IntentVisibility
    status: IntentStatus
    created_at: Timestamp

    @staticmethod
    def resolve_organization(obj: Intent) -> str:
        return obj.organization.slug

    @staticmethod
    def resolve_own_customer(obj: Intent, context: Any) -> bool:
        return bool(obj.organization_id == organization_of(context["request"]).pk)

    @staticmethod
    def resolve_customer_id(obj: Intent, context: Any) -> int | None:
        own = obj.organization_id == organization_of(context["request"]).pk
        return obj.customer_id if own else None

    @staticmethod
    def resolve_customer_name(obj: Intent, context: Any) -> str:
        own = obj.organization_id == organization_of(context["request"]).pk
        return obj.customer.display_name if own else obj.customer.public_name

    @staticmethod
    def resolve_category(obj: Intent) -> str:
        return obj.category.name if obj.category else ""


class OfferOut(Schema):
    id: int
    intent_id: int
    author: UserRef | None
    price: Decimal
    currency: str
    terms: str
    valid_until: Timestamp
    status: OfferStatus
    blocked_reason: str
    decided_at: Timestamp | None
    created_at: Timestamp


class OfferIn(InputSchema):
    price: Price
    currency: Currency = "USD"
    terms: str = Field("", max_length=5000)
    valid_until: datetime = Field(..., description="Until when the offer holds (future).")
    idempotency_key: str = Field(
        "", max_length=64, description="A retried request with the same key makes one offer."
    )

    @field_validator("valid_until")
    @classmethod
    def _valid_until(cls, value: datetime) -> datetime:
        return _future(value, "The offer's validity")


class StageOut(Schema):
    id: int
    position: int
    name: str
    what_happens: str
    usual_duration: str
    cost_to_leave: str


class StageIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    what_happens: str = Field("", max_length=2000)
    usual_duration: str = Field("", max_length=120)
    cost_to_leave: str = Field("", max_length=300)
    position: int | None = Field(None, ge=1, le=1000, description="1 = first; default: last.")


class StagePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    what_happens: str | None = Field(None, max_length=2000)
    usual_duration: str | None = Field(None, max_length=120)
    cost_to_leave: str | None = Field(None, max_length=300)
    position: int | None = Field(None, ge=1, le=1000)


class StageRef(Schema):
    id: int
    name: str


class DealOut(Schema):
    id: int
    customer_id: int
    title: str
    stage: StageRef | None
    owner: UserRef | None
    value: Decimal | None
    currency: str
    expected_on: date | None
    next_step: str
    status: DealStatus
    status_reason: str
    offer_id: int | None
    case_number: int | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_case_number(obj: Deal) -> int | None:
        return obj.case.number if obj.case else None


class DealIn(InputSchema):
    customer_id: Id
    title: str = Field(..., min_length=1, max_length=200)
    stage_id: Id | None = Field(None, description="Default: the first stage.")
    owner_id: Id | None = Field(None, description="A staff member's user id; default: you.")
    value: Amount | None = None
    currency: Currency = "USD"
    expected_on: date | None = None
    next_step: str = Field("", max_length=300)


class DealPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    owner_id: Id | None = None
    value: Amount | None = None
    currency: Currency | None = None
    expected_on: date | None = None
    next_step: str | None = Field(None, max_length=300)


class DealMoveIn(InputSchema):
    stage_id: Id
    next_step: str | None = Field(None, max_length=300)


class DealReasonIn(InputSchema):
    reason: str = Field("", max_length=500)


class DealPromiseIn(InputSchema):
    description: str = Field(..., min_length=1, max_length=500)
    due_at: datetime
    owner_id: Id | None = Field(None, description="A staff member's user id; default: the owner.")

    @field_validator("due_at")
    @classmethod
    def _due(cls, value: datetime) -> datetime:
        return _future(value, "The due time")


# --- intents and offers --------------------------------------------------------------------------


@router.get(
    "/intents",
    response={200: list[IntentOut], **errors(401, 403, 422)},
    operation_id="intents_list",
    summary="List the intents visible to the organization",
    tags=TAGS,
    **scoped(READ, "deal.read"),
)
@paginate(Page, max_limit=200)
def intents_list(
    request: HttpRequest,
    status: IntentStatus = IntentStatus.OPEN,
    category: Annotated[str, StringConstraints(max_length=120)] = "",
    budget_min: Amount | None = None,
    budget_max: Amount | None = None,
    deadline_within_days: Annotated[int, Field(ge=0, le=3650)] | None = None,
    answered: bool | None = None,
) -> Any:
    """The organization's customers' intents and those published to every organization serving
    a category it serves; soonest deadline first. `category` is a category's name (any case);
    `answered`: whether this organization has made an offer the customer received."""
    organization = organization_of(request)
    key = checks.category_key(category)
    if key and not selectors.categories_of(organization=organization).filter(key=key).exists():
        raise ValidationError(
            [{"type": "unknown_category", "loc": ["query", "category"], "msg": "Unknown category."}]
        )
    return selectors.intents_for_staff(
        organization=organization,
        status=status,
        category_key=key,
        budget_min=budget_min,
        budget_max=budget_max,
        deadline_within_days=deadline_within_days,
        answered=answered,
    )


@router.get(
    "/intents/{int:intent_id}",
    response={200: IntentOut, **errors(401, 403, 404, 422)},
    operation_id="intents_get",
    summary="Get an intent",
    tags=TAGS,
    **scoped(READ, "deal.read"),
)
def intents_get(request: HttpRequest, intent_id: int) -> Intent:
    return one_or_404(request, selectors.intent_for_staff, intent_id)


@router.get(
    "/intents/{int:intent_id}/offers",
    response={200: list[OfferOut], **errors(401, 403, 404, 422)},
    operation_id="offers_list",
    summary="List this organization's offers on an intent",
    tags=TAGS,
    **scoped(READ, "deal.read"),
)
@paginate(Page, max_limit=200)
def offers_list(request: HttpRequest, intent_id: int) -> Any:
    """Newest first, blocked ones too (with the reason); never another organization's."""
    intent = one_or_404(request, selectors.intent_for_staff, intent_id)
    return selectors.offers_of_organization(organization=organization_of(request), intent=intent)


@router.post(
    "/intents/{int:intent_id}/offers",
    response={201: OfferOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    operation_id="offers_create",
    summary="Answer an intent with an offer (through the outreach guard)",
    tags=TAGS,
    **scoped(WRITE, "offer.make"),
)
def offers_create(request: HttpRequest, intent_id: int, payload: OfferIn) -> Status[Offer]:
    """Sent to the customer the way they asked to be answered, if the guard allows it (the
    intent consents while it is open and before its deadline). A blocked offer is kept and
    answered with `status: "blocked"` and `blocked_reason`. 409 with the reason when the
    intent no longer takes offers (closed at its deadline, withdrawn, accepted): the attempt
    is recorded, and the customer sees it."""
    intent = one_or_404(request, selectors.intent_for_staff, intent_id)
    try:
        offer = intents.offer_make(
            organization=organization_of(request),
            intent=intent,
            author=actor_of(request),
            price=payload.price,
            currency=payload.currency,
            terms=payload.terms,
            valid_until=payload.valid_until,
            submission_id=payload.idempotency_key,
        )
    except DjangoValidationError as exc:
        raise _refused(exc, "valid_until") from exc
    if offer.status == OfferStatus.BLOCKED and intents.intent_refusal(offer.intent):
        raise HttpError(409, f"Not sent: {offer.blocked_reason}")
    return Status(201, offer)


# --- the selling process -------------------------------------------------------------------------


@router.get(
    "/selling/stages",
    response={200: list[StageOut], **errors(401, 403)},
    operation_id="stages_list",
    summary="List the selling stages, in order",
    tags=TAGS,
    **scoped(READ, "deal.read"),
)
def stages_list(request: HttpRequest) -> Any:
    """The same stages the public page `/o/<org>/how-we-sell/` shows."""
    return list(selectors.stages_of(organization=organization_of(request)))


@router.post(
    "/selling/stages",
    response={201: StageOut, **errors(400, 401, 403, 413, 422)},
    operation_id="stages_create",
    summary="Add a selling stage (admins)",
    tags=TAGS,
    **scoped(WRITE, "selling_process.edit"),
)
def stages_create(request: HttpRequest, payload: StageIn) -> Status[SellingStage]:
    stage = process.stage_create(
        organization=organization_of(request), actor=actor_of(request), **payload.dict()
    )
    return Status(201, stage)


@router.patch(
    "/selling/stages/{int:stage_id}",
    response={200: StageOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="stages_update",
    summary="Change a selling stage (admins)",
    tags=TAGS,
    **scoped(WRITE, "selling_process.edit"),
)
def stages_update(request: HttpRequest, stage_id: int, payload: StagePatch) -> SellingStage:
    stage = one_or_404(request, selectors.stage_get, stage_id)
    changes = payload.dict(exclude_unset=True)
    return process.stage_update(stage=stage, actor=actor_of(request), **changes)


@router.delete(
    "/selling/stages/{int:stage_id}",
    response={204: None, **errors(400, 401, 403, 404, 422)},
    operation_id="stages_delete",
    summary="Remove a selling stage no deal is in (admins)",
    tags=TAGS,
    **scoped(WRITE, "selling_process.edit"),
)
def stages_delete(request: HttpRequest, stage_id: int) -> Status[None]:
    stage = one_or_404(request, selectors.stage_get, stage_id)
    process.stage_delete(stage=stage, actor=actor_of(request))
    return Status(204, None)


# --- deals ---------------------------------------------------------------------------------------


@router.get(
    "/deals",
    response={200: list[DealOut], **errors(401, 403, 422)},
    operation_id="deals_list",
    summary="List deals",
    tags=TAGS,
    **scoped(READ, "deal.read"),
)
@paginate(Page, max_limit=200)
def deals_list(
    request: HttpRequest,
    status: DealStatus | None = None,
    stage_id: Id | None = None,
    owner_id: Id | None = None,
    customer_id: Id | None = None,
) -> Any:
    """Most recently changed first."""
    return selectors.deals_for_staff(
        organization=organization_of(request),
        status=status or "",
        stage_id=stage_id,
        owner_id=owner_id,
        customer_id=customer_id,
    )


@router.post(
    "/deals",
    response={201: DealOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="deals_create",
    summary="Open a deal with a customer",
    tags=TAGS,
    **scoped(WRITE, "deal.write"),
)
def deals_create(request: HttpRequest, payload: DealIn) -> Status[Deal]:
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    owner = (
        staff_user_or_404(request, payload.owner_id, field="owner_id")
        if payload.owner_id is not None
        else None
    )
    try:
        deal = services.deal_create(
            organization=organization_of(request),
            customer=customer,
            actor=actor_of(request),
            title=payload.title,
            stage_id=payload.stage_id,
            owner=owner,
            value=payload.value,
            currency=payload.currency,
            expected_on=payload.expected_on,
            next_step=payload.next_step,
        )
    except DjangoValidationError as exc:
        raise _refused(exc, "stage_id") from exc
    return Status(201, deal)


@router.get(
    "/deals/{int:deal_id}",
    response={200: DealOut, **errors(401, 403, 404, 422)},
    operation_id="deals_get",
    summary="Get a deal",
    tags=TAGS,
    **scoped(READ, "deal.read"),
)
def deals_get(request: HttpRequest, deal_id: int) -> Deal:
    return one_or_404(request, selectors.deal_get, deal_id)


@router.patch(
    "/deals/{int:deal_id}",
    response={200: DealOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="deals_update",
    summary="Change a deal's title, owner, value, expected date or next step",
    tags=TAGS,
    **scoped(WRITE, "deal.write"),
)
def deals_update(request: HttpRequest, deal_id: int, payload: DealPatch) -> Deal:
    deal = one_or_404(request, selectors.deal_get, deal_id)
    changes = payload.dict(exclude_unset=True)
    if "owner_id" in changes:
        owner_id = changes.pop("owner_id")
        changes["owner"] = (
            staff_user_or_404(request, owner_id, field="owner_id") if owner_id else None
        )
    # null clears the owner, value or expected date; the other fields cannot be empty.
    changes = {
        k: v for k, v in changes.items() if v is not None or k in {"owner", "value", "expected_on"}
    }
    return services.deal_update(deal=deal, actor=actor_of(request), **changes)


@router.post(
    "/deals/{int:deal_id}/stage",
    response={200: DealOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="deals_move",
    summary="Move a deal to another stage",
    tags=TAGS,
    **scoped(WRITE, "deal.write"),
)
def deals_move(request: HttpRequest, deal_id: int, payload: DealMoveIn) -> Deal:
    """A timeline entry the customer sees. Moving a deal to its own stage changes nothing; a
    paused or withdrawn deal cannot move (400)."""
    deal = one_or_404(request, selectors.deal_get, deal_id)
    try:
        return services.deal_move(
            deal=deal,
            stage_id=payload.stage_id,
            actor=actor_of(request),
            next_step=payload.next_step,
        )
    except DjangoValidationError as exc:
        raise _refused(exc, "stage_id") from exc


def _status_route(action: str) -> Any:
    def change(request: HttpRequest, deal_id: int, payload: DealReasonIn | None = None) -> Deal:
        deal = one_or_404(request, selectors.deal_get, deal_id)
        return services.deal_status_set(
            deal=deal,
            action=action,
            actor=actor_of(request),
            reason=payload.reason if payload is not None else "",
        )

    change.__name__ = f"deals_{action}"
    change.__doc__ = (
        f"Record that the customer {services.DEAL_CHANGES[action][3]} the deal (on their word; "
        "in the portal they do it themselves). Idempotent."
    )
    return change


for _action, _summary in (
    ("pause", "Pause a deal"),
    ("resume", "Resume a paused deal"),
    ("withdraw", "Withdraw a deal"),
):
    router.post(
        f"/deals/{{int:deal_id}}/{_action}",
        response={200: DealOut, **errors(400, 401, 403, 404, 413, 422)},
        operation_id=f"deals_{_action}",
        summary=_summary,
        tags=TAGS,
        **scoped(WRITE, "deal.write"),
    )(_status_route(_action))


@router.post(
    "/deals/{int:deal_id}/promises",
    response={201: CommitmentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="deals_promises_create",
    summary="Make a promise in a deal (a commitment)",
    tags=TAGS,
    **scoped(WRITE, "deal.write"),
)
def deals_promises_create(
    request: HttpRequest, deal_id: int, payload: DealPromiseIn
) -> Status[Any]:
    """A commitment on the deal's case (opened with its first promise), with reminders and
    breach alerts to its owner and their manager."""
    deal = one_or_404(request, selectors.deal_get, deal_id)
    owner = (
        staff_user_or_404(request, payload.owner_id, field="owner_id")
        if payload.owner_id is not None
        else None
    )
    commitment = services.deal_promise(
        deal=deal,
        actor=actor_of(request),
        description=payload.description,
        due_at=payload.due_at,
        owner=owner,
    )
    return Status(201, commitment)
