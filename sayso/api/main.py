"""The REST API: one NinjaAPI object, token auth, one router module per domain.

Errors share one shape, ``{"detail": "<message>"}``: 400 for input a service refused (its
``ValidationError``), 401 without a live token, 403 without the operation's scope, 404 for an
id that is not this organization's (and for any path under /api/ that is not an operation, a
non-numeric id included), 413 for a body too large; schema errors are ninja's 422 (``detail``
is then the list of problems, each naming its field in ``loc``).

Input is checked at the edge, before a handler runs: bodies by ``schemas.InputSchema`` (a JSON
object; no NUL or lone surrogate in any string) and each field's bounds, query strings by
``TextParser`` (no NUL) and each parameter's bounds, lists by ``pagination.Page``.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from csp.decorators import csp_update
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, ValidationError
from ninja.parser import Parser

import sayso
from sayso.api import (
    analysis,
    cases,
    commitments,
    consent,
    customers,
    deals,
    follows,
    ideas,
    inbound,
    listening,
    moderation,
    privacy,
    questions,
    reviews,
    roadmap,
    status,
    tasks,
    webhooks,
)
from sayso.api.auth import role_checked
from sayso.api.schemas import unreadable
from sayso.core.web import errors_text


class TextParser(Parser):
    """Query strings (and forms) with a NUL character answer 422 naming the parameter:
    PostgreSQL refuses NUL in any string. (Django decodes query strings with replacement, so
    no lone surrogate gets this far; JSON bodies are checked by ``schemas.InputSchema``.)"""

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        problems = []
        for key, values in data.lists():
            for value in values:
                problem = unreadable(value) if isinstance(value, str) else None
                if problem is not None:
                    problems.append(
                        {"type": problem.type, "loc": ["query", key], "msg": str(problem)}
                    )
                    break
        if problems:
            raise ValidationError(problems)
        return super().parse_querydict(data, list_fields, request)


@csrf_exempt
def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under /api/ that is no operation (``/api/v1/cases/abc``): the API's JSON 404,
    not the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


def _json_not_allowed(view: Any) -> Any:
    """ninja answers a method a path does not have with a plain-text 405: the same in JSON."""

    @wraps(view)
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = view(request, *args, **kwargs)
        if response.status_code == 405 and isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse({"detail": "Method not allowed."}, status=405)
            response["Allow"] = allowed
        return response

    return answer


class SaysoApi(NinjaAPI):
    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = [
            URLPattern(url.pattern, _json_not_allowed(url.callback), url.default_args, url.name)
            if isinstance(url, URLPattern)
            else url
            for url in super()._get_urls()
        ]
        return [*urls, re_path(r"^(?P<rest>[\s\S]*)$", _unknown_path)]


api = SaysoApi(
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
    parser=TextParser(),
)


api.add_decorator(role_checked)  # after each operation's input is read


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": errors_text(exc)}, status=400)


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
api.add_router("/v1/spam", moderation.router)
api.add_router("/v1/status", status.router)
api.add_router("/v1/consent", consent.router)
api.add_router("/v1/outreach", consent.outreach_router)
api.add_router("/v1/webhooks", webhooks.router)
api.add_router("/v1/tasks", tasks.router)
api.add_router("/v1", analysis.router)
api.add_router("/v1", deals.router)
api.add_router("/v1/privacy", privacy.router)
