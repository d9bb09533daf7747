"""`sayso tasks`: the background tasks' policies, dead letters, and retrying one.

sayso tasks policies              every task: queue, priority, attempts, back-off, schedule
sayso tasks dead [--org SLUG]     dead letters not yet retried (all organizations'; --all
                                  adds the retried ones)
sayso tasks retry ID              run dead letter ID once more
sayso tasks prune [--days N]      delete finished results (default SAYSO_TASK_RESULTS_DAYS)
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sayso.core.models import Organization
from sayso.core.task_engine import registered_tasks
from sayso.core.task_engine import services as engine


class Command(BaseCommand):
    help = "Background tasks: policies, dead letters (failed tasks), retry, prune."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("policies", help="Every task's queue, priority, attempts and schedule.")
        dead = sub.add_parser("dead", help="Tasks that failed on every attempt allowed.")
        dead.add_argument("--org", default="", help="Only this organization's (its slug).")
        dead.add_argument("--all", action="store_true", help="Include the retried ones.")
        retry = sub.add_parser("retry", help="Run a dead letter's task once more.")
        retry.add_argument("id", type=int)
        prune = sub.add_parser("prune", help="Delete finished task results.")
        prune.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _policies(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"engine: {engine.engine_name()}")
        for path, policy in sorted(registered_tasks().items()):
            schedule = {True: "every interval", None: "", False: ""}.get(
                policy.periodic,  # type: ignore[arg-type]
                str(policy.periodic),
            )
            self.stdout.write(
                f"{path}  queue={policy.queue} priority={policy.priority} "
                f"attempts={policy.max_attempts} backoff={policy.backoff_seconds}s.."
                f"{policy.backoff_max_seconds}s {schedule}".rstrip()
            )

    def _dead(self, options: dict[str, Any]) -> None:
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"No organization {options['org']!r}.")
        found = engine.dead_letter_list(organization=organization, include_retried=options["all"])
        count = 0
        for dead in found:
            count += 1
            where = dead.organization.slug if dead.organization else "-"
            retried = f" retried {dead.retried_at:%Y-%m-%d %H:%M}" if dead.retried_at else ""
            self.stdout.write(
                f"{dead.pk}\t{dead.failed_at:%Y-%m-%d %H:%M:%S}\t{where}\t{dead.task_path}\t"
                f"attempts={dead.attempts}\t{dead.arguments}\t{dead.error}{retried}"
            )
        self.stdout.write(f"{count} dead letter(s).")

    def _retry(self, options: dict[str, Any]) -> None:
        dead = engine.dead_letter_get(dead_letter_id=options["id"], organization=None)
        if dead is None:
            raise CommandError(f"No dead letter {options['id']}.")
        if engine.dead_letter_retry(dead_letter=dead):
            self.stdout.write(f"Dead letter {dead.pk} ({dead.task_path}) will run again.")
        else:
            raise CommandError(f"Dead letter {dead.pk} was already retried.")

    def _prune(self, options: dict[str, Any]) -> None:
        days = options["days"] if options["days"] is not None else settings.SAYSO_TASK_RESULTS_DAYS
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        self.stdout.write(f"Deleted {engine.task_results_prune(days=days)} row(s).")
        engine.sessions_prune()
