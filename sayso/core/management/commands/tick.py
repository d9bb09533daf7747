"""`sayso tick`: run the periodic work once, now (for cron, or to catch up by hand): every
periodic task the apps declare (sayso/core/scheduler.py), run in this process, the commitment
check first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sayso.core.scheduler import periodic_tasks

# The periodic tasks whose outcome tick words itself (by the task's path: core imports no app);
# the others print their return value.
_COMMITMENTS = "sayso.conversations.tasks.check_commitments"
_MESSAGES = {
    _COMMITMENTS: "Reminded {} commitment owner(s); {} breach(es).",
    "sayso.community.tasks.send_digests": "Sent {} digest(s).",
    "sayso.listening.tasks.poll_sources": "Queued polls of {} listening source(s).",
    "sayso.core.tasks.refresh_planner_statistics": "Planner statistics: {} table(s) analyzed.",
}


class Command(BaseCommand):
    help = (
        "Run the periodic work once: commitment reminders and breaches, due digests, polls of "
        "due listening sources (queued for the worker), the planner's statistics when due, "
        "pruning, and every other periodic task an app declares."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        tasks = sorted(periodic_tasks(), key=lambda task: task.module_path != _COMMITMENTS)
        for task in tasks:
            outcome = task.call()
            message = _MESSAGES.get(task.module_path)
            if message is None:
                self.stdout.write(f"{task.module_path}: {outcome}")
            else:
                values = outcome if isinstance(outcome, list | tuple) else [outcome]
                self.stdout.write(message.format(*values))
