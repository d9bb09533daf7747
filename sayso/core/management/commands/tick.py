"""`sayso tick`: run the periodic work once, now (for cron, or to catch up by hand): what the
worker's scheduler enqueues every interval (sayso/core/scheduler.py), run in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sayso.community.tasks import send_digests
from sayso.conversations.services import commitments_check
from sayso.core.tasks import refresh_planner_statistics
from sayso.listening.tasks import poll_sources


class Command(BaseCommand):
    help = (
        "Run the periodic work once: commitment reminders and breaches, due digests, polls of "
        "due listening sources (queued for the worker), the planner's statistics when due."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reminded, breached = commitments_check()
        self.stdout.write(f"Reminded {reminded} commitment owner(s); {breached} breach(es).")
        self.stdout.write(f"Sent {send_digests.call()} digest(s).")
        self.stdout.write(f"Queued polls of {poll_sources.call()} listening source(s).")
        self.stdout.write(
            f"Planner statistics: {refresh_planner_statistics.call()} table(s) analyzed."
        )
