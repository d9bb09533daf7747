"""`sayso tick`: run the periodic work once, now (for cron, or to catch up by hand): every
periodic task the apps declare (sayso/core/scheduler.py), run in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sayso.conversations.services import commitments_check
from sayso.core.scheduler import periodic_tasks

# The periodic tasks whose outcome tick words itself; the others print their return value.
_MESSAGES = {
    "sayso.community.tasks.send_digests": "Sent {} digest(s).",
    "sayso.listening.tasks.poll_sources": "Queued polls of {} listening source(s).",
    "sayso.core.tasks.refresh_planner_statistics": "Planner statistics: {} table(s) analyzed.",
}
_COMMITMENTS = "sayso.conversations.tasks.check_commitments"


class Command(BaseCommand):
    help = (
        "Run the periodic work once: commitment reminders and breaches, due digests, polls of "
        "due listening sources (queued for the worker), the planner's statistics when due, "
        "pruning, and every other periodic task an app declares."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reminded, breached = commitments_check()
        self.stdout.write(f"Reminded {reminded} commitment owner(s); {breached} breach(es).")
        for task in periodic_tasks():
            if task.module_path == _COMMITMENTS:
                continue
            outcome = task.call()
            message = _MESSAGES.get(task.module_path)
            self.stdout.write(
                message.format(outcome) if message else f"{task.module_path}: {outcome}"
            )
