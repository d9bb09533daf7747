"""Export and erasure of a customer's personal data, for requests that reach staff by other
channels than the portal (docs/customer-control.md, "What you know about me").

Managers only. An export is recorded on the customer's timeline (they see who took a copy
of their data), so it needs ``customers:write`` like the erasure operations. The export
answers the ``sayso.personal-data/1`` document (or the zip the portal gives, with the messages
as mbox and the contact card as vCard); an erasure waits ``SAYSO_ERASURE_WAIT_DAYS`` and can be
cancelled until then. Asking again for a customer whose erasure already waits answers 200
with that request.
"""

from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import StringConstraints

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.lookups import customer_or_404
from sayso.api.pagination import Page
from sayso.api.schemas import Id, InputSchema, Timestamp, errors
from sayso.core.models import Scope
from sayso.core.web import is_object_id
from sayso.privacy import selectors, services
from sayso.privacy.models import ErasureRequest

router = Router()
TAGS = ["privacy"]


class ErasureIn(InputSchema):
    customer_id: Id
    channel: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class ErasureOut(Schema):
    id: int
    customer_id: int
    receipt_id: str
    status: str
    due_at: Timestamp
    by_customer: bool
    channel: str
    created_at: Timestamp
    cancelled_at: Timestamp | None
    done_at: Timestamp | None
    attempts: int
    last_error: str
    summary: dict[str, int]
    receipt_url: str

    @staticmethod
    def resolve_receipt_id(obj: ErasureRequest) -> str:
        return str(obj.receipt_id)

    @staticmethod
    def resolve_receipt_url(obj: ErasureRequest) -> str:
        return services.receipt_url(obj)


@router.post(
    "/customers/{int:customer_id}/export",
    response={200: dict[str, Any], **errors(401, 403, 404, 422)},
    operation_id="privacy_export",
    summary="Export everything held about a customer (sayso.personal-data/1)",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_WRITE, "privacy.manage"),
)
def privacy_export(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The export document, one section per kind of data; recorded on the customer's
    timeline. Internal notes are never in it."""
    actor = actor_of(request)
    customer = customer_or_404(request, customer_id)
    services.export_record(customer=customer, actor=actor)
    return services.personal_data_collect(customer=customer)


@router.post(
    "/customers/{int:customer_id}/export.zip",
    response={200: None, **errors(401, 403, 404, 422)},
    operation_id="privacy_export_archive",
    summary="Download a customer's export as the zip the portal gives (JSON, mbox, vCard)",
    tags=TAGS,
    # The answer is the zip itself (application/zip); openapi_extra may not name a "200" of
    # its own: it would be a second "200" key in the document, which Swagger UI cannot read.
    **scoped(Scope.CUSTOMERS_WRITE, "privacy.manage"),
)
def privacy_export_archive(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = actor_of(request)
    customer = customer_or_404(request, customer_id)
    data = services.export_build(customer=customer, actor=actor)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{customer.pk}.zip"'
    return response


@router.post(
    "/erasures",
    response={200: ErasureOut, 201: ErasureOut, **errors(400, 401, 403, 404, 413, 422)},
    operation_id="privacy_erasure_request",
    summary="Ask for a customer's erasure, carried out after the waiting period",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_WRITE, "privacy.manage"),
)
def privacy_erasure_request(request: HttpRequest, payload: ErasureIn) -> Status[ErasureRequest]:
    """``channel``: how the customer asked (email, phone, letter). 400 when the customer is
    already erased or merged into another."""
    actor = actor_of(request)
    customer = customer_or_404(request, payload.customer_id, field="customer_id")
    waiting = selectors.erasure_open_of(organization=organization_of(request), customer=customer)
    erasure = services.erasure_request(
        customer=customer, by_customer=False, actor=actor, channel=payload.channel
    )
    return Status(200 if waiting is not None else 201, erasure)


@router.get(
    "/erasures",
    response={200: list[ErasureOut], **errors(401, 403, 422)},
    operation_id="privacy_erasure_list",
    summary="Erasure requests, newest first",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_READ, "privacy.manage"),
)
@paginate(Page, max_limit=200)
def privacy_erasure_list(
    request: HttpRequest,
    status: Literal["pending", "cancelled", "done", "failed"] | None = None,
) -> Any:
    return selectors.erasures_of(organization=organization_of(request), status=status)


def _erasure_or_404(request: HttpRequest, erasure_id: int) -> ErasureRequest:
    if not is_object_id(erasure_id):
        raise Http404()
    erasure = selectors.erasure_get(organization=organization_of(request), pk=erasure_id)
    if erasure is None:
        raise HttpError(404, f"Erasure request {erasure_id} not found.")
    return erasure


@router.get(
    "/erasures/{int:erasure_id}",
    response={200: ErasureOut, **errors(401, 403, 404, 422)},
    operation_id="privacy_erasure_get",
    summary="One erasure request",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_READ, "privacy.manage"),
)
def privacy_erasure_get(request: HttpRequest, erasure_id: int) -> ErasureRequest:
    return _erasure_or_404(request, erasure_id)


@router.post(
    "/erasures/{int:erasure_id}/cancel",
    response={200: ErasureOut, **errors(401, 403, 404, 409, 422)},
    operation_id="privacy_erasure_cancel",
    summary="Cancel an erasure request while it waits",
    tags=TAGS,
    **scoped(Scope.CUSTOMERS_WRITE, "privacy.manage"),
)
def privacy_erasure_cancel(request: HttpRequest, erasure_id: int) -> ErasureRequest:
    """409 when the request is already done or cancelled."""
    actor = actor_of(request)
    erasure = _erasure_or_404(request, erasure_id)
    if erasure.status not in ("pending", "failed"):
        raise HttpError(409, f"This request is {erasure.get_status_display().lower()}.")
    return services.erasure_cancel(erasure=erasure, actor=actor)
