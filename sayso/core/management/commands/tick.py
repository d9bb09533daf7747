"""`sayso tick`: run the periodic work once, now (for cron, or to catch up by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sayso.conversations.services import commitments_check


class Command(BaseCommand):
    help = "Run periodic checks once: commitment reminders and breaches."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded, breached = commitments_check()
        self.stdout.write(f"Reminded {reminded} commitment owner(s); {breached} breach(es).")
