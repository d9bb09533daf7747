"""`sayso worker`: the background worker (django-tasks-db's db_worker) plus a small scheduler
that enqueues Sayso's periodic tasks (commitment reminders and breaches) every interval."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sayso.core.scheduler import enqueue_periodic_tasks

logger = logging.getLogger("sayso.worker")


class Command(BaseCommand):
    help = "Run the Sayso background worker and the periodic scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only process tasks; do not enqueue periodic tasks (run one scheduler only).",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Process outstanding tasks, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["no_scheduler"]:
            if options["batch"]:
                enqueue_periodic_tasks()
            else:
                thread = threading.Thread(
                    target=self._schedule, args=(stop,), name="sayso-scheduler", daemon=True
                )
                thread.start()
        worker_args = ["--queue-name", "*", "--no-reload"]
        if options["batch"]:
            worker_args.append("--batch")
        try:
            call_command("db_worker", *worker_args, verbosity=options["verbosity"])
        finally:
            stop.set()

    def _schedule(self, stop: threading.Event) -> None:
        interval = max(5, settings.SAYSO_SCHEDULER_INTERVAL_SECONDS)
        while not stop.is_set():
            try:
                enqueue_periodic_tasks()
            except Exception:  # keep scheduling; the next pass retries
                logger.exception("could not enqueue periodic tasks")
            stop.wait(interval)
