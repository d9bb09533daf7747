"""Consent with proof, contact preferences, receipts, and the outreach guard's door.

A decision recorded here is ``how: "api"`` (or ``"import"``) by the token's staff member; the
current choice is the newest decision of each channel and purpose, and the history is never
changed. ``POST /v1/outreach`` is the API's only way to contact a customer outside a case
they opened: it answers 201 with the attempt, sent or blocked with the reason (a retry with the
same ``idempotency_key`` answers 200 with the first attempt). An unknown channel or purpose is a
422 naming the field.
"""

import uuid
from datetime import date, time
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import StringConstraints

from sayso.api.auth import organization_of, scoped, token_of
from sayso.api.lookups import customer_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import Id, InputSchema, Timestamp, UserRef, errors
from sayso.consent import receipts, selectors, services
from sayso.consent.guard import attempt_in_words, latest_choice, outreach_attempt
from sayso.consent.models import (
    Campaign,
    Choice,
    ConsentChannel,
    ConsentNotice,
    ConsentRecord,
    Method,
    OutreachAttempt,
    Purpose,
    Segment,
)
from sayso.core.models import Scope, Team

router = Router()
outreach_router = Router()
TAGS = ["consent"]
OUTREACH_TAGS = ["outreach"]
READ = Scope.CONSENT_READ
WRITE = Scope.CONSENT_WRITE
SEND = Scope.OUTREACH_SEND

GuardPurpose = Literal[
    "service", "product_news", "sales", "research", "partners", "intent_answer", "deal_update"
]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
Note = Annotated[str, StringConstraints(max_length=2000)]
Key = Annotated[str, StringConstraints(max_length=200)]
ZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


# --- schemas ---------------------------------------------------------------------------------


class NoticeRef(Schema):
    id: int
    purpose: str
    version: int


class ConsentRecordOut(Schema):
    id: int
    receipt_id: str
    customer_id: int
    channel: str
    purpose: str
    choice: str
    how: str = Field(..., alias="method")
    where: str = Field(..., alias="location")
    note: str
    by_customer: bool
    by: UserRef | None = Field(None, alias="by_user")
    by_token: str | None
    notice: NoticeRef | None
    created_at: Timestamp

    @staticmethod
    def resolve_receipt_id(obj: ConsentRecord) -> str:
        return str(obj.receipt_id)

    @staticmethod
    def resolve_by_token(obj: ConsentRecord) -> str | None:
        return f"{obj.by_token.prefix}…" if obj.by_token_id and obj.by_token else None


class ChoiceOut(Schema):
    channel: str
    purpose: str
    choice: str
    since: Timestamp | None
    record_id: int | None


class PreferencesOut(Schema):
    time_zone: str = "UTC"
    quiet_start: time | None = None
    quiet_end: time | None = None
    not_before: date | None = None
    max_per_week: int | None = None


class ConsentOut(Schema):
    customer_id: int
    choices: list[ChoiceOut]
    preferences: PreferencesOut


class ConsentIn(InputSchema):
    channel: ConsentChannel
    purpose: Purpose
    choice: Literal["granted", "refused"]
    how: Literal["api", "import"] = "api"
    where: Annotated[str, StringConstraints(max_length=300)] = ""
    note: Note = ""


class PreferencesIn(InputSchema):
    time_zone: ZoneName = "UTC"
    quiet_start: time | None = None
    quiet_end: time | None = None
    not_before: date | None = None
    max_per_week: int | None = Field(None, ge=0, le=100)


class ReceiptOut(Schema):
    receipt_id: str
    jws: str
    claims: dict[str, Any]
    keys_url: str


class NoticeOut(Schema):
    id: int
    purpose: str
    version: int
    text: str
    created_at: Timestamp


class NoticeIn(InputSchema):
    purpose: Purpose
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class Reference(InputSchema):
    kind: Literal["case", "intent", "deal"]
    id: Id


class OutreachIn(InputSchema):
    customer_id: Id
    channel: ConsentChannel
    purpose: GuardPurpose
    subject: Subject
    body: Body
    reference: Reference | None = None
    idempotency_key: Key = ""
    # In the customer's quiet hours: held (outcome "held", next_allowed_at the time it goes)
    # and sent then if the guard still allows it, instead of refused.
    hold: bool = False


class AttemptOut(Schema):
    id: int
    customer_id: int
    channel: str
    purpose: str
    subject: str
    outcome: str
    reason_code: str
    reason: str
    next_allowed_at: Timestamp | None
    case_number: int | None
    message_id: int | None
    campaign_id: int | None
    by: UserRef | None = Field(None, alias="by_user")
    in_words: str
    created_at: Timestamp

    @staticmethod
    def resolve_case_number(obj: OutreachAttempt) -> int | None:
        return obj.case.number if obj.case_id and obj.case else None

    @staticmethod
    def resolve_in_words(obj: OutreachAttempt) -> str:
        return attempt_in_words(obj)


class CampaignIn(InputSchema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    channel: ConsentChannel
    purpose: Purpose
    subject: Subject
    body: Body
    segment: Segment
    team_id: Id | None = None
    customer_ids: list[Id] = Field(default_factory=list, max_length=10_000)


class ReportOut(Schema):
    sent: int
    blocked: int
    blocked_by_reason: dict[str, int]


class CampaignOut(Schema):
    id: int
    name: str
    channel: str
    purpose: str
    subject: str
    segment: str
    status: str
    created_at: Timestamp
    finished_at: Timestamp | None
    report: ReportOut

    @staticmethod
    def resolve_report(obj: Campaign) -> Any:
        return selectors.campaign_report(campaign=obj)


# --- consent ---------------------------------------------------------------------------------


def _consent(request: HttpRequest, customer: Any) -> dict[str, Any]:
    organization = organization_of(request)
    current = selectors.consent_current(organization=organization, customer=customer)
    preferences = selectors.preferences_of(organization=organization, customer=customer)
    return {
        "customer_id": customer.pk,
        "choices": [
            {
                "channel": item.channel,
                "purpose": item.purpose,
                "choice": item.choice,
                "since": item.record.created_at if item.record else None,
                "record_id": item.record.pk if item.record else None,
            }
            for item in current
        ],
        "preferences": preferences or PreferencesOut(),
    }


@router.get(
    "/customers/{int:customer_id}",
    response={200: ConsentOut, **errors(401, 403, 404, 422)},
    operation_id="consent_get",
    summary="A customer's current consent and contact preferences",
    tags=TAGS,
    **scoped(READ, "consent.read"),
)
def consent_get(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Every channel and purpose, with the choice in force (`not_asked` where none was
    made)."""
    return _consent(request, customer_or_404(request, customer_id))


@router.get(
    "/customers/{int:customer_id}/history",
    response={200: list[ConsentRecordOut], **errors(401, 403, 404, 422)},
    operation_id="consent_history",
    summary="A customer's consent decisions, newest first",
    tags=TAGS,
    **scoped(READ, "consent.read"),
)
@paginate(Page, max_limit=200)
def consent_history(request: HttpRequest, customer_id: int) -> Any:
    customer = customer_or_404(request, customer_id)
    return selectors.consent_history(organization=organization_of(request), customer=customer)


@router.post(
    "/customers/{int:customer_id}",
    response={200: ConsentRecordOut, 201: ConsentRecordOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="consent_record",
    summary="Record a consent decision (provenance: the API and the token's staff member)",
    tags=TAGS,
    **scoped(WRITE, "consent.record"),
)
def consent_record(
    request: HttpRequest, customer_id: int, payload: ConsentIn
) -> Status[ConsentRecord]:
    """A decision the same as the current one records nothing and answers 200 with the
    current record; a new one answers 201."""
    customer = customer_or_404(request, customer_id)
    current = latest_choice(
        customer=customer, channel=payload.channel.value, purpose=payload.purpose.value
    )
    record = services.consent_record(
        customer=customer,
        channel=payload.channel.value,
        purpose=payload.purpose.value,
        choice=Choice(payload.choice),
        method=Method(payload.how),
        location=payload.where or payload.how,
        actor=token_of(request),
        note=payload.note,
    )
    return Status(200 if current is not None and current.pk == record.pk else 201, record)


@router.put(
    "/customers/{int:customer_id}/preferences",
    response={200: ConsentOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="consent_preferences_put",
    summary="Set a customer's time zone, quiet hours, not-before date and weekly limit",
    tags=TAGS,
    **scoped(WRITE, "consent.record"),
)
def consent_preferences_put(
    request: HttpRequest, customer_id: int, payload: PreferencesIn
) -> dict[str, Any]:
    """All fields at once (left out: cleared). An unknown time zone is a 400."""
    customer = customer_or_404(request, customer_id)
    services.preferences_set(
        customer=customer,
        time_zone=payload.time_zone,
        quiet_start=payload.quiet_start,
        quiet_end=payload.quiet_end,
        not_before=payload.not_before,
        max_per_week=payload.max_per_week,
        actor=token_of(request),
    )
    return _consent(request, customer)


@router.get(
    "/receipts/{receipt_id}",
    response={200: ReceiptOut, **errors(401, 403, 404, 422)},
    operation_id="consent_receipt",
    summary="A decision's signed consent receipt (Kantara v1.1 as a JWS)",
    tags=TAGS,
    **scoped(READ, "consent.read"),
)
def consent_receipt(request: HttpRequest, receipt_id: str) -> dict[str, Any]:
    try:
        receipt_id = str(uuid.UUID(receipt_id[:64]))
    except ValueError:
        raise HttpError(404, "Not found.") from None
    record = (
        ConsentRecord.objects.filter(organization=organization_of(request), receipt_id=receipt_id)
        .select_related("customer", "organization", "notice")
        .first()
    )
    if record is None:
        raise HttpError(404, "Not found.")
    return {
        "receipt_id": str(record.receipt_id),
        "jws": receipts.receipt_sign(record),
        "claims": receipts.receipt_claims(record),
        "keys_url": settings.SAYSO_BASE_URL
        + reverse("consent-receipt-keys", kwargs={"org": record.organization.slug}),
    }


@router.get(
    "/notices",
    response={200: list[NoticeOut], **errors(401, 403)},
    operation_id="consent_notices_list",
    summary="Every version of the consent notices, by purpose, newest first",
    tags=TAGS,
    **scoped(READ, "consent.read"),
)
def consent_notices_list(request: HttpRequest) -> Any:
    return list(selectors.notice_list(organization=organization_of(request)))


@router.post(
    "/notices",
    response={201: NoticeOut, **errors(400, 401, 403, 413, 422)},
    operation_id="consent_notices_create",
    summary="Publish a new version of a purpose's notice",
    tags=TAGS,
    **scoped(WRITE, "consent.notice.publish"),
)
def consent_notices_create(request: HttpRequest, payload: NoticeIn) -> Status[ConsentNotice]:
    """Decisions made before keep the version they were made under. Managers only."""
    token = token_of(request)
    notice = services.notice_publish(
        organization=token.organization,
        purpose=payload.purpose.value,
        text=payload.text,
        actor=token.membership.user,
    )
    return Status(201, notice)


# --- the outreach door -----------------------------------------------------------------------


@outreach_router.post(
    "",
    response={200: AttemptOut, 201: AttemptOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="outreach_send",
    summary="Contact a customer through the outreach guard",
    tags=OUTREACH_TAGS,
    **scoped(SEND, "outreach.send"),
)
def outreach_send(request: HttpRequest, payload: OutreachIn) -> Status[OutreachAttempt]:
    """The guard checks the channel, consent for the purpose, the customer's not-before date,
    quiet hours and weekly limit: `outcome` is `sent` (email: on a new case, whose number is
    given) or `blocked` with `reason_code`, `reason` and, when waiting helps,
    `next_allowed_at`. Blocked attempts are shown to the customer."""
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    reference = (payload.reference.kind, payload.reference.id) if payload.reference else None
    result = outreach_attempt(
        organization=organization_of(request),
        customer=customer,
        channel=payload.channel.value,
        purpose=payload.purpose,
        subject=payload.subject,
        body=payload.body,
        actor=token_of(request),
        reference=reference,
        idempotency_key=payload.idempotency_key,
        hold=payload.hold,
    )
    return Status(200 if result.repeated else 201, result.attempt)


@outreach_router.get(
    "/attempts",
    response={200: list[AttemptOut], **errors(401, 403, 404, 422)},
    operation_id="outreach_attempts_list",
    summary="A customer's outreach attempts (sent and blocked), newest first",
    tags=OUTREACH_TAGS,
    **scoped(READ, "outreach.read"),
)
@paginate(Page, max_limit=200)
def outreach_attempts_list(
    request: HttpRequest, customer_id: Id, outcome: Literal["sent", "blocked", ""] = ""
) -> Any:
    customer = customer_or_404(request, customer_id, field="customer_id")
    return selectors.attempts_of(
        organization=organization_of(request), customer=customer, outcome=outcome or None
    ).select_related("case", "by_user")


@outreach_router.get(
    "/campaigns",
    response={200: list[CampaignOut], **errors(401, 403, 422)},
    operation_id="outreach_campaigns_list",
    summary="Campaigns, newest first, each with its report",
    tags=OUTREACH_TAGS,
    **scoped(READ, "outreach.read"),
)
@paginate(Page, max_limit=50)
def outreach_campaigns_list(request: HttpRequest) -> Any:
    return selectors.campaign_list(organization=organization_of(request))


@outreach_router.get(
    "/campaigns/{int:campaign_id}",
    response={200: CampaignOut, **errors(401, 403, 404, 422)},
    operation_id="outreach_campaigns_get",
    summary="A campaign and its report: how many sent, how many blocked and why",
    tags=OUTREACH_TAGS,
    **scoped(READ, "outreach.read"),
)
def outreach_campaigns_get(request: HttpRequest, campaign_id: int) -> Campaign:
    campaign = selectors.campaign_get(organization=organization_of(request), pk=campaign_id)
    if campaign is None:
        raise HttpError(404, "Not found.")
    return campaign


@outreach_router.post(
    "/campaigns",
    response={201: CampaignOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="outreach_campaigns_create",
    summary="Send a message to a segment through the guard, in the background",
    tags=OUTREACH_TAGS,
    **scoped(SEND, "campaign.send"),
)
def outreach_campaigns_create(request: HttpRequest, payload: CampaignIn) -> Status[Campaign]:
    """Segments: `all`, `prospects`, `team` (customers with a case of `team_id`), `list`
    (`customer_ids`). Managers only. Read the report with `outreach_campaigns_get`."""
    token = token_of(request)
    team = None
    if payload.team_id is not None:
        team = Team.objects.filter(organization=token.organization, pk=payload.team_id).first()
        if team is None:
            raise HttpError(404, f"Team {payload.team_id} (team_id) not found.")
    campaign = services.campaign_create(
        organization=token.organization,
        actor=token,
        name=payload.name,
        channel=payload.channel.value,
        purpose=payload.purpose.value,
        subject=payload.subject,
        body=payload.body,
        segment=payload.segment.value,
        team=team,
        customer_ids=list(payload.customer_ids),
    )
    return Status(201, campaign)
