"""The REST API: one NinjaAPI object, token auth, one router module per domain.

Errors share one shape, ``{"detail": "<message>"}``: 400 for input a service refused (its
``ValidationError``), 401 without a live token, 403 without the operation's scope, 404 for an
id that is not this organization's, 413 for a body too large; schema errors are ninja's 422
(``detail`` is then the list of problems).
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError

import sayso
from sayso.api import (
    analysis,
    cases,
    commitments,
    customers,
    follows,
    ideas,
    inbound,
    listening,
    questions,
    reviews,
    roadmap,
    status,
)

api = NinjaAPI(
    title="Sayso API",
    version=sayso.__version__,
    description="Customers, identities, cases, messages, commitments, ideas, comments and "
    "moderation of one organization. "
    "Authenticate with `Authorization: Bearer sayso_…`; each operation needs one scope.",
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI from the copy django-ninja ships ("ninja" in INSTALLED_APPS), under the
    # site's Content-Security-Policy: its stylesheet draws icons from data: URLs; the
    # validator badge (an image from validator.swagger.io) is off.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=csp_update({"img-src": ["'self'", "data:"]}),
)


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.message}, status=exc.status_code)
    response["WWW-Authenticate"] = 'Bearer realm="sayso"'
    return response


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "The request body is too large."}, status=413)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return api.create_response(request, {"detail": "The request could not be read."}, status=400)


api.add_router("/v1/customers", customers.router)
api.add_router("/v1/cases", cases.router)
api.add_router("/v1/commitments", commitments.router)
api.add_router("/v1/inbound", inbound.router)
api.add_router("/v1/ideas", ideas.router)
api.add_router("/v1/comments", ideas.comments_router)
api.add_router("/v1/moderation", ideas.moderation_router)
api.add_router("/v1/roadmap", roadmap.router)
api.add_router("/v1/changelog", roadmap.changelog_router)
api.add_router("/v1/reviews", reviews.router)
api.add_router("/v1/questions", questions.router)
api.add_router("/v1/answers", questions.answers_router)
api.add_router("/v1/follows", follows.router)
api.add_router("/v1/listening", listening.router)
api.add_router("/v1/status", status.router)
api.add_router("/v1", analysis.router)
