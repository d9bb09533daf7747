"""Inbound hooks: a mail provider (or a local MTA pipe) delivers raw email here."""

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from sayso.api.auth import organization_of, scoped
from sayso.api.schemas import InboundEmailOut, errors
from sayso.core.models import Scope
from sayso.listening.email import email_receive

router = Router()
TAGS = ["inbound"]
EMAIL_CONTENT_TYPES = ("message/rfc822", "application/octet-stream")

_RAW_EMAIL_BODY = {
    "requestBody": {
        "required": True,
        "description": "The whole email as received (RFC 5322 / MIME), headers included.",
        "content": {
            content_type: {"schema": {"type": "string", "format": "binary"}}
            for content_type in EMAIL_CONTENT_TYPES
        },
    }
}


def _too_large(limit: int) -> HttpError:
    return HttpError(413, f"The email is too large ({limit:,} bytes at most).")


@router.post(
    "/email",
    response={200: InboundEmailOut, 201: InboundEmailOut, **errors(400, 401, 403, 413, 415)},
    operation_id="inbound_email",
    summary="Deliver an inbound email",
    tags=TAGS,
    **scoped(Scope.INBOUND_EMAIL, "inbound.email", **_RAW_EMAIL_BODY),
)
def inbound_email(request: HttpRequest) -> Status[InboundEmailOut]:
    """The raw MIME message as the request body (`Content-Type: message/rfc822` or
    `application/octet-stream`). It joins the case it replies to (by `In-Reply-To` /
    `References`, or a `[#123]` token in the subject), else opens a new case; the sender
    becomes or is recognised as a customer. Idempotent on the Message-ID: a re-delivery
    answers 200 with the stored message and writes nothing. Mail no person wrote (a bounce,
    an auto-reply, a newsletter) answers with `automated` set and no message: it opens no
    case and creates no customer."""
    limit = settings.SAYSO_MAX_INBOUND_EMAIL_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # An empty body needs no content type: it is answered "The email is empty." below.
    if declared and request.content_type not in EMAIL_CONTENT_TYPES:
        accepted = " or ".join(EMAIL_CONTENT_TYPES)
        raise HttpError(415, f"Send the raw email as {accepted}, not “{request.content_type}”.")
    if declared > limit:
        raise _too_large(limit)
    # Read the stream ourselves (not ``request.body``): the email limit is its own setting,
    # independent of Django's DATA_UPLOAD_MAX_MEMORY_SIZE for form and JSON bodies.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise _too_large(limit)
    result = email_receive(organization=organization_of(request), raw=raw)
    case = result.case
    out = InboundEmailOut(
        message_id=result.message.pk if result.message is not None else None,
        case_number=case.number if case is not None else None,
        customer_id=result.message.customer_id if result.message is not None else None,
        created=result.created,
        automated=result.automated.kind if result.automated is not None else None,
        automated_reason=result.automated.reason if result.automated is not None else None,
    )
    return Status(201 if result.created else 200, out)
