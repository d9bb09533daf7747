"""Failed background tasks (dead letters) through the API: list them and retry one.

An admin's token only (as the staff page), with ``tasks:read`` or ``tasks:write``; a token
sees its own organization's dead letters (tasks that worked for no organization are for the
site's superusers, on the staff page and ``sayso tasks dead``)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from sayso.api.auth import actor_of, organization_of, scoped
from sayso.api.schemas import Timestamp, errors
from sayso.core.models import Scope
from sayso.core.task_engine import services
from sayso.core.web import is_object_id

router = Router()
TAGS = ["tasks"]


class DeadLetterOut(Schema):
    id: int
    task: str
    queue: str
    engine: str
    job_id: str
    arguments: dict[str, Any]
    attempts: int
    error: str
    enqueued_at: Timestamp | None
    failed_at: Timestamp
    retried_at: Timestamp | None


class RetryOut(Schema):
    # False when it had been retried already (nothing changed).
    retried: bool


def _out(dead: Any) -> dict[str, Any]:
    return {
        "id": dead.pk,
        "task": dead.task_path,
        "queue": dead.queue,
        "engine": dead.engine,
        "job_id": dead.job_id,
        "arguments": dead.arguments,
        "attempts": dead.attempts,
        "error": dead.error,
        "enqueued_at": dead.enqueued_at,
        "failed_at": dead.failed_at,
        "retried_at": dead.retried_at,
    }


@router.get(
    "/dead",
    response={200: list[DeadLetterOut], **errors(401, 403)},
    operation_id="tasks_dead_list",
    summary="Background tasks that failed on every attempt allowed (newest first, 200 at most)",
    tags=TAGS,
    **scoped(Scope.TASKS_READ, "dead_letter.manage"),
)
def dead_list(request: HttpRequest) -> Any:
    found = services.dead_letter_list(organization=organization_of(request))[:200]
    return [_out(dead) for dead in found]


@router.post(
    "/dead/{dead_letter_id}/retry",
    response={200: RetryOut, **errors(401, 403, 404, 422)},
    operation_id="tasks_dead_retry",
    summary="Run a failed task once more (a second retry changes nothing)",
    tags=TAGS,
    **scoped(Scope.TASKS_WRITE, "dead_letter.manage"),
)
def dead_retry(request: HttpRequest, dead_letter_id: int) -> Any:
    dead = (
        services.dead_letter_get(
            dead_letter_id=dead_letter_id, organization=organization_of(request)
        )
        if is_object_id(dead_letter_id)
        else None
    )
    if dead is None:
        raise Http404()
    return {"retried": services.dead_letter_retry(dead_letter=dead, actor=actor_of(request))}
