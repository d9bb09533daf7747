"""The embeddable feedback widget: its script (``/widget.js``) and the endpoint its form posts
to (``/o/<org>/widget/messages``).

Any site can embed the script; only the sites listed in one of the organization's enabled
widget sources (``Source.allowed_origins``) can post through it. Every accepted message goes
through the listening pipeline (``widget_submit`` → ``items_ingest``), which analyzes it and
holds spam instead of opening a case; the reply never tells the sender which happened.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from sayso.core.models import Organization
from sayso.core.ratelimit import client_key, rate_limit_hit
from sayso.core.selectors import organization_by_slug
from sayso.core.web import errors_text
from sayso.listening.models import Source
from sayso.listening.services import widget_source_for, widget_submit

WIDGET_SCRIPT = Path(__file__).resolve().parent / "templates" / "listening" / "widget.js"
# How long browsers and proxies may keep the script before asking again (it is revalidated
# with its ETag after that).
SCRIPT_MAX_AGE = 60 * 60
# A message is at most 5,000 characters (``MAX_WIDGET_CHARS``), up to 4 bytes each in UTF-8,
# plus the email, the page address and the JSON around them: 32 KB holds the longest valid
# post with room to spare, and nothing bigger is read.
MAX_BODY_BYTES = 32 * 1024
# How long a browser may reuse an answered preflight.
PREFLIGHT_MAX_AGE = 60 * 60
FIELDS = ("message", "email", "page", "submission_id")


@cache
def _script() -> tuple[bytes, str]:
    body = WIDGET_SCRIPT.read_bytes()
    return body, quote_etag(hashlib.sha256(body).hexdigest()[:32])


@require_safe
def widget_script(request: HttpRequest) -> HttpResponse:
    """The widget's script, for any site to embed (no credentials, nothing per visitor)."""
    body, etag = _script()
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    # Let pages that use Cross-Origin-Embedder-Policy load it too.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _error(text: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "error": text}, status=status)


def _allow(response: HttpResponse, origin: str) -> HttpResponse:
    """The CORS headers for an allowed origin: that origin only, never credentials."""
    response["Access-Control-Allow-Origin"] = origin
    patch_vary_headers(response, ["Origin"])
    return response


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"“{name}” must be text.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800) that no database would store
        raise ValidationError(f"“{name}” contains characters that are not valid text.") from None
    return value.replace("\x00", "")


def _submission(request: HttpRequest) -> dict[str, str] | JsonResponse:
    """The post's fields, or the 4xx response that says what is wrong with it."""
    if request.content_type != "application/json":
        return _error("Send the message as JSON (Content-Type: application/json).", 415)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _error("The message is too long.", 413)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _error("The message is too long.", 413)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return _error("The request body is not valid JSON.", 400)
    if not isinstance(data, dict):
        return _error("Send a JSON object with a message.", 400)
    try:
        return {name: _text(data, name) for name in FIELDS}
    except ValidationError as exc:
        return _error(errors_text(exc), 400)


def _widget_for(request: HttpRequest, organization: Organization) -> tuple[Source | None, str]:
    origin = request.headers.get("Origin", "").strip().rstrip("/").lower()
    source = widget_source_for(organization=organization, origin=origin) if origin else None
    return source, origin


# Exempt from Django's CSRF check because this endpoint never uses cookies or sessions: it
# reads no session, signs nobody in and acts for nobody, so there is no ambient authority for a
# forged request to borrow. What stands in for a CSRF token is the origin allow-list together
# with credential-less CORS: a post is accepted only when its Origin is one of the
# organization's allowed sites, and it must be sent as ``Content-Type: application/json``,
# which a browser will not send cross-origin (as a form or a "simple" request can be) without
# first asking with a preflight that we answer for allowed origins only. Anything else gets a
# 415 or a 403 without any CORS header, so other sites' pages can neither post nor read.
@csrf_exempt
def widget_message(request: HttpRequest, org: str) -> HttpResponse:
    """Take one message posted by the widget (and answer the CORS preflight before it)."""
    if request.method not in {"POST", "OPTIONS"}:
        response = _error("Post the message (POST).", 405)
        response["Allow"] = "POST, OPTIONS"
        return response
    organization = organization_by_slug(slug=org)
    if organization is None:
        return _error("No such organization.", 404)
    source, origin = _widget_for(request, organization)
    if source is None:
        refused = _error("This site is not allowed to send feedback here.", 403)
        patch_vary_headers(refused, ["Origin"])
        return refused

    if request.method == "OPTIONS":
        preflight = HttpResponse(status=204)
        preflight["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        preflight["Access-Control-Allow-Headers"] = "Content-Type"
        preflight["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        return _allow(preflight, origin)

    limit = settings.SAYSO_WIDGET_RATE_LIMIT_PER_MINUTE
    if rate_limit_hit(action="widget", key=client_key(request), limit=limit):
        response = _error("Too many messages from here. Please wait a minute and try again.", 429)
        response["Retry-After"] = str(60 - int(time.time()) % 60)  # the window's end
        return _allow(response, origin)
    fields = _submission(request)
    if isinstance(fields, JsonResponse):
        return _allow(fields, origin)
    try:
        report = widget_submit(
            source=source,
            message=fields["message"],
            email=fields["email"],
            page=fields["page"],
            submission_id=fields["submission_id"],
        )
    except ValidationError as exc:
        return _allow(_error(errors_text(exc), 400), origin)
    if report.failed:
        return _allow(
            _error("Sorry, your message could not be stored. Please try again.", 400), origin
        )
    # Stored (as a case, or held as spam: the sender is not told which) or, for a retried
    # post, already stored before.
    text = f"Thanks! Your message reached {organization.name}."
    if fields["email"]:
        # An address typed here is only a claim: its holder confirms it by the emailed link
        # (said the same way whether or not the message was held as spam).
        text += " To get the answer by email, confirm your address with the link we sent to it."
    body = {"ok": True, "message": text}
    return _allow(JsonResponse(body, status=201 if report.stored else 200), origin)
