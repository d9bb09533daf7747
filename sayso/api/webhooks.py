"""Webhooks through the API: endpoints (create, read, change, delete, rotate the secret, send a
test event), their delivery log, and "send again" (docs/webhooks.md).

Every operation needs an admin's token (as the staff pages do), besides the ``webhooks:read``
or ``webhooks:write`` scope. A secret is answered once, by the operation that makes it
(create, rotate); no other answer holds it.
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, StringConstraints

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import one_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import InputSchema, Timestamp, errors
from sayso.core.models import Scope
from sayso.webhooks import selectors, services
from sayso.webhooks.events import event_types
from sayso.webhooks.models import Delivery, DeliveryStatus, Endpoint

router = Router()
READ = Scope.WEBHOOKS_READ
WRITE = Scope.WEBHOOKS_WRITE
TAGS = ["webhooks"]
_NO_OTHER_FIELDS = ConfigDict(extra="forbid")


def _endpoint_or_404(request: HttpRequest, pk: int) -> Endpoint:
    return one_or_404(request, selectors.endpoint_get, pk)


def _delivery_or_404(request: HttpRequest, pk: int) -> Delivery:
    return one_or_404(request, selectors.delivery_get, pk)


EventTypeName = Annotated[str, StringConstraints(max_length=100)]


class EventTypeOut(Schema):
    name: str
    description: str


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    # The types it receives; empty: every type.
    event_types: list[str]
    enabled: bool
    disabled_reason: str
    disabled_at: Timestamp | None
    failing_since: Timestamp | None
    created_at: Timestamp


class EndpointWithSecretOut(EndpointOut):
    # Shown once: Sayso keeps it sealed and never answers it again.
    secret: str


class EndpointIn(InputSchema):
    model_config = _NO_OTHER_FIELDS

    url: str = Field(max_length=2000)
    description: str = Field("", max_length=500)
    event_types: list[EventTypeName] = Field(default_factory=list, max_length=100)
    enabled: bool = True


class EndpointPatchIn(InputSchema):
    model_config = _NO_OTHER_FIELDS

    url: str | None = Field(None, max_length=2000)
    description: str | None = Field(None, max_length=500)
    event_types: list[EventTypeName] | None = Field(None, max_length=100)
    # Enabling clears the reason it was disabled for; disabling cancels what is pending.
    enabled: bool | None = None


class SecretOut(Schema):
    secret: str


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    webhook_id: str
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: Timestamp | None
    last_attempt_at: Timestamp | None
    finished_at: Timestamp | None
    reason: str
    resend_of_id: int | None
    created_at: Timestamp

    @staticmethod
    def resolve_webhook_id(obj: Delivery) -> str:
        return obj.event.webhook_id

    @staticmethod
    def resolve_event_type(obj: Delivery) -> str:
        return obj.event.event_type


class AttemptOut(Schema):
    number: int
    outcome: str
    started_at: Timestamp
    duration_ms: int | None
    request_url: str
    request_headers: dict[str, str]
    response_status: int | None
    response_headers: dict[str, str]
    # The answer's first kilobyte.
    response_body: str
    error: str


class DeliveryDetailOut(DeliveryOut):
    # The body sent (and signed), exactly.
    payload: str
    attempts: list[AttemptOut]

    @staticmethod
    def resolve_payload(obj: Delivery) -> str:
        return obj.event.payload

    @staticmethod
    def resolve_attempts(obj: Delivery) -> list[Any]:
        return list(obj.attempts.all())


@router.get(
    "/event-types",
    response={200: list[EventTypeOut], **errors(401, 403)},
    operation_id="webhooks_event_types_list",
    summary="The event types an endpoint can subscribe to",
    tags=TAGS,
    **scoped(READ, "webhook.manage"),
)
def event_types_list(request: HttpRequest) -> Any:
    return [{"name": t.name, "description": t.description} for t in event_types()]


@router.get(
    "/endpoints",
    response={200: list[EndpointOut], **errors(401, 403)},
    operation_id="webhooks_endpoints_list",
    summary="The organization's webhook endpoints",
    tags=TAGS,
    **scoped(READ, "webhook.manage"),
)
def endpoints_list(request: HttpRequest) -> Any:
    return list(selectors.endpoint_list(organization=organization_of(request)))


@router.post(
    "/endpoints",
    response={201: EndpointWithSecretOut, **errors(400, 401, 403, 413, 422)},
    operation_id="webhooks_endpoints_create",
    summary="Add an endpoint; the answer holds its secret, shown this once",
    tags=TAGS,
    **scoped(WRITE, "webhook.manage"),
)
def endpoints_create(request: HttpRequest, payload: EndpointIn) -> Status[dict[str, Any]]:
    endpoint, secret = services.endpoint_create(
        organization=organization_of(request), actor=actor_of(request), **payload.dict()
    )
    return Status(201, {**EndpointOut.model_validate(endpoint).model_dump(), "secret": secret})


@router.get(
    "/endpoints/{int:endpoint_id}",
    response={200: EndpointOut, **errors(401, 403, 404, 422)},
    operation_id="webhooks_endpoints_get",
    summary="One endpoint",
    tags=TAGS,
    **scoped(READ, "webhook.manage"),
)
def endpoints_get(request: HttpRequest, endpoint_id: int) -> Endpoint:
    return _endpoint_or_404(request, endpoint_id)


@router.patch(
    "/endpoints/{int:endpoint_id}",
    response={200: EndpointOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="webhooks_endpoints_update",
    summary="Change an endpoint (address, description, event types, enabled)",
    tags=TAGS,
    **scoped(WRITE, "webhook.manage"),
)
def endpoints_update(request: HttpRequest, endpoint_id: int, payload: EndpointPatchIn) -> Endpoint:
    endpoint = _endpoint_or_404(request, endpoint_id)
    return services.endpoint_update(
        endpoint=endpoint, actor=actor_of(request), **payload.dict(exclude_unset=True)
    )


@router.delete(
    "/endpoints/{int:endpoint_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    operation_id="webhooks_endpoints_delete",
    summary="Delete an endpoint with its delivery log",
    tags=TAGS,
    **scoped(WRITE, "webhook.manage"),
)
def endpoints_delete(request: HttpRequest, endpoint_id: int) -> Status[None]:
    endpoint = _endpoint_or_404(request, endpoint_id)
    services.endpoint_delete(endpoint=endpoint, actor=actor_of(request))
    return Status(204, None)


@router.post(
    "/endpoints/{int:endpoint_id}/rotate-secret",
    response={200: SecretOut, **errors(401, 403, 404, 422)},
    operation_id="webhooks_endpoints_rotate_secret",
    summary="A new secret (shown this once); the old one still signs for 24 hours",
    tags=TAGS,
    **scoped(WRITE, "webhook.manage"),
)
def endpoints_rotate_secret(request: HttpRequest, endpoint_id: int) -> Any:
    endpoint = _endpoint_or_404(request, endpoint_id)
    _, secret = services.endpoint_secret_rotate(endpoint=endpoint, actor=actor_of(request))
    return {"secret": secret}


@router.post(
    "/endpoints/{int:endpoint_id}/test",
    response={202: DeliveryOut, **errors(401, 403, 404, 422)},
    operation_id="webhooks_endpoints_test",
    summary="Send a webhook.test event to this endpoint (delivered in the background)",
    tags=TAGS,
    **scoped(WRITE, "webhook.manage"),
)
def endpoints_test(request: HttpRequest, endpoint_id: int) -> Status[Delivery]:
    endpoint = _endpoint_or_404(request, endpoint_id)
    return Status(202, services.endpoint_send_test(endpoint=endpoint, actor=actor_of(request)))


@router.get(
    "/endpoints/{int:endpoint_id}/deliveries",
    response={200: list[DeliveryOut], **errors(401, 403, 404, 422)},
    operation_id="webhooks_deliveries_list",
    summary="The endpoint's delivery log, newest first",
    tags=TAGS,
    **scoped(READ, "webhook.manage"),
)
@paginate(Page)
def deliveries_list(request: HttpRequest, endpoint_id: int) -> Any:
    endpoint = _endpoint_or_404(request, endpoint_id)
    return selectors.delivery_list(organization=organization_of(request), endpoint=endpoint)


@router.get(
    "/deliveries/{int:delivery_id}",
    response={200: DeliveryDetailOut, **errors(401, 403, 404, 422)},
    operation_id="webhooks_deliveries_get",
    summary="One delivery: the body sent and every attempt (request, answer, timing)",
    tags=TAGS,
    **scoped(READ, "webhook.manage"),
)
def deliveries_get(request: HttpRequest, delivery_id: int) -> Delivery:
    return _delivery_or_404(request, delivery_id)


@router.post(
    "/deliveries/{int:delivery_id}/resend",
    response={202: DeliveryOut, **errors(400, 401, 403, 404, 422)},
    operation_id="webhooks_deliveries_resend",
    summary="Send a delivery's event again (the same webhook-id), as a new delivery",
    tags=TAGS,
    **scoped(WRITE, "webhook.manage"),
)
def deliveries_resend(request: HttpRequest, delivery_id: int) -> Status[Delivery]:
    delivery = _delivery_or_404(request, delivery_id)
    return Status(202, services.delivery_resend(delivery=delivery, actor=actor_of(request)))
