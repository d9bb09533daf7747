"""`sayso worker`: run background tasks from the chosen queues.

On PostgreSQL: a Procrastinate worker (``--concurrency`` jobs at once, heartbeats, the jobs of
stopped workers retried, periodic tasks deferred once per period however many workers run).
On the embedded engine (SQLite): django-tasks-db's db_worker (``embedded_worker``, which also
runs jobs stored under a task's former path), after putting back what a dead worker left
running, plus a scheduler thread enqueueing the periodic tasks; run ONE there.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sayso.core.scheduler import enqueue_periodic_tasks
from sayso.core.task_engine import QUEUES
from sayso.core.task_engine.services import EMBEDDED, PROCRASTINATE, engine_name

logger = logging.getLogger("sayso.worker")


class Command(BaseCommand):
    help = "Run the Sayso background worker (and the periodic scheduler)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queues",
            default="",
            help=f"Comma-separated queues to process (default: all): {', '.join(QUEUES)}.",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=1,
            help="Jobs run at once (PostgreSQL engine; the embedded engine runs one).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only process tasks; do not enqueue periodic tasks.",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Process outstanding tasks, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        unknown = sorted(set(queues) - set(QUEUES))
        if unknown:
            raise CommandError(
                f"Unknown queue(s): {', '.join(unknown)}. Known: {', '.join(QUEUES)}."
            )
        if options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1.")
        engine = engine_name()
        if engine == PROCRASTINATE:
            self._procrastinate(queues, options)
        elif engine == EMBEDDED:
            self._embedded(queues, options)
        else:
            raise CommandError(f"The task backend ({engine}) has no worker.")

    def _procrastinate(self, queues: list[str], options: dict[str, Any]) -> None:
        from sayso.core.task_engine.procrastinate_engine import worker_run

        if options["batch"] and not options["no_scheduler"]:
            enqueue_periodic_tasks()
        worker_run(
            queues=queues or None,
            concurrency=options["concurrency"],
            wait=not options["batch"],
            periodic=not (options["no_scheduler"] or options["batch"]),
        )

    def _embedded(self, queues: list[str], options: dict[str, Any]) -> None:
        from sayso.core.task_engine.embedded import abandoned_tasks_recover
        from sayso.core.task_engine.embedded_worker import worker_run

        if options["concurrency"] > 1:
            self.stderr.write("The embedded engine runs one task at a time; --concurrency ignored.")
        recovered = abandoned_tasks_recover()
        if recovered:
            logger.warning("put back %d task(s) a stopped worker left running", recovered)
        stop = threading.Event()
        if not options["no_scheduler"]:
            if options["batch"]:
                enqueue_periodic_tasks()
            else:
                thread = threading.Thread(
                    target=self._schedule, args=(stop,), name="sayso-scheduler", daemon=True
                )
                thread.start()
        try:
            worker_run(
                queues=queues,
                interval=max(0.1, settings.SAYSO_TASKS_POLL_SECONDS / 5),
                batch=options["batch"],
                verbosity=options["verbosity"],
                out=self.stdout,
            )
        finally:
            stop.set()

    def _schedule(self, stop: threading.Event) -> None:
        interval = max(1, settings.SAYSO_SCHEDULER_INTERVAL_SECONDS)
        while not stop.is_set():
            try:
                enqueue_periodic_tasks()
            except Exception:  # keep scheduling; the next pass retries
                logger.exception("could not enqueue periodic tasks")
            stop.wait(min(interval, 60))
