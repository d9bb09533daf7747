"""Services enqueue their app's tasks by name (``task_by_path("sayso.<app>.tasks.<task>")``)
so that they never import the tasks that import them (docs/architecture.md, "The rules"); every
such name written in sayso/ must name a task that exists."""

from __future__ import annotations

import re
from pathlib import Path

from django_tasks.base import Task

from sayso.core.task_engine import former_task_paths, registered_tasks, task_by_path

SAYSO = Path(__file__).resolve().parents[2] / "sayso"
TASK_NAME = re.compile(r"[\"'](sayso(?:\.\w+)+\.tasks\.\w+)[\"']")


def _task_names() -> set[str]:
    names: set[str] = set()
    for path in SAYSO.rglob("*.py"):
        names.update(TASK_NAME.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_task_named_in_the_code_is_a_registered_task() -> None:
    names = _task_names()
    assert "sayso.notifications.tasks.send_mail" in names  # the scan finds the outbox's
    assert "sayso.webhooks.tasks.deliver" in names
    registered = registered_tasks()
    former = former_task_paths()  # a moved task's old paths, named where it is defined
    for name in sorted(names):
        assert isinstance(task_by_path(name), Task), name
        assert name in registered or former.get(name) in registered, name
