"""A task a release moved (``sayso_task(former_paths=...)``) still runs the jobs enqueued under
its old dotted path before the upgrade: the embedded worker moves such a job to the task's new
path as it takes it, and Procrastinate knows the old path as an alias of the task
(tests/core/test_task_engine_postgres.py runs one there)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from sayso.community.following.notices import deliver_notices
from sayso.core.task_engine import former_task_paths, sayso_task, task_by_path, task_policy
from sayso.core.task_engine.procrastinate_engine import worker_app
from sayso.intelligence.models import MessageAnalysis
from sayso.intelligence.tasks import analyze_message
from tests import factories

# The paths issue 23 moved them from (docs/deploy.md, "Upgrades").
OLD_ANALYZE = "sayso.intelligence.analysis_tasks.analyze_message"  # the module is gone
OLD_NOTICES = "sayso.community.tasks.deliver_notices"  # still re-exported there


def test_the_moved_tasks_are_found_under_their_former_paths() -> None:
    former = former_task_paths()
    assert former[OLD_ANALYZE] == analyze_message.module_path
    assert former[OLD_NOTICES] == deliver_notices.module_path
    assert task_by_path(OLD_ANALYZE) is analyze_message
    assert task_by_path(OLD_NOTICES) is deliver_notices
    # A retry of an old job keeps the task's policy, not the default one.
    assert task_policy(OLD_ANALYZE) == task_policy(analyze_message)
    assert task_policy(OLD_NOTICES).max_attempts == 10


def elsewhere(message_id: int) -> bool:
    """Not a task: what a second task claiming a former path would be."""
    return False


def test_a_former_path_names_one_task() -> None:
    with pytest.raises(ValueError, match="cannot be a former path"):
        sayso_task(former_paths=[OLD_ANALYZE])(elsewhere)
    with pytest.raises(ValueError, match="cannot be a former path"):
        sayso_task(former_paths=[f"{__name__}.elsewhere"])(elsewhere)
    assert former_task_paths()[OLD_ANALYZE] == analyze_message.module_path


def test_procrastinate_knows_the_former_paths_as_aliases() -> None:
    app = worker_app(periodic=False)  # no connection is opened until the worker runs
    assert app.tasks[OLD_ANALYZE] is app.tasks[analyze_message.module_path]
    assert app.tasks[OLD_NOTICES] is app.tasks[deliver_notices.module_path]


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_runs_a_job_stored_under_a_former_path(org: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "sayso.core.task_engine.embedded.EmbeddedBackend"}}
    case = factories.make_case(org, body="My truck booking vanished and nobody calls back.")
    message = case.messages.get()
    DBTaskResult.objects.all().delete()  # only this test's job: not the ones the case queued
    MessageAnalysis.objects.all().delete()
    job = analyze_message.enqueue(message.pk)
    # As the version before the move stored it.
    DBTaskResult.objects.filter(pk=job.id).update(task_path=OLD_ANALYZE)

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    row = DBTaskResult.objects.get(pk=job.id)
    assert (row.status, row.task_path) == ("SUCCESSFUL", analyze_message.module_path)
    assert MessageAnalysis.objects.filter(message=message).count() == 1
