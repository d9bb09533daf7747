"""`sayso spam`: each organization's spam filter, taught by its moderators.

sayso spam retrain [--organization SLUG] [--if-stale]   train a new version now (every org with
                                                         decisions, or one)
sayso spam rollback --organization SLUG                 make the version before the active one
                                                         active again
sayso spam versions [--organization SLUG]               the versions, their counts and metrics
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sayso.core.errors import errors_text
from sayso.core.models import Organization
from sayso.intelligence.analysis.spam_filter import (
    filter_stale,
    spam_filter_rollback,
    spam_filter_train,
    version_list,
)
from sayso.intelligence.models import SpamDecision


class Command(BaseCommand):
    help = "Retrain, roll back or list the organizations' spam filters."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        retrain = actions.add_parser("retrain", help="Train a new version from the decisions.")
        retrain.add_argument("--organization", "--org", dest="org", default="")
        retrain.add_argument(
            "--if-stale",
            action="store_true",
            help="only organizations with decisions newer than their active version",
        )
        rollback = actions.add_parser("rollback", help="Activate the previous version again.")
        rollback.add_argument("--organization", "--org", dest="org", required=True)
        versions = actions.add_parser("versions", help="List the versions.")
        versions.add_argument("--organization", "--org", dest="org", default="")

    def _organizations(self, slug: str, *, with_decisions: bool) -> list[Organization]:
        if slug:
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"No organization “{slug}”.")
            return [organization]
        organizations = Organization.objects.order_by("slug")
        if with_decisions:
            ids = SpamDecision.objects.values_list("organization_id", flat=True).distinct()
            organizations = organizations.filter(pk__in=list(ids))
        return list(organizations)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        slug = options.get("org") or ""
        if action == "retrain":
            organizations = self._organizations(slug, with_decisions=not slug)
            if not organizations:
                self.stdout.write("No organization has moderator decisions yet.")
            for organization in organizations:
                if options["if_stale"] and not filter_stale(organization=organization):
                    self.stdout.write(f"{organization.slug}: up to date.")
                    continue
                try:
                    version = spam_filter_train(organization=organization, trigger="command")
                except ValidationError as exc:
                    raise CommandError(f"{organization.slug}: {errors_text(exc)}") from None
                self.stdout.write(
                    f"{organization.slug}: version {version.number} active "
                    f"({version.spam_examples} spam, {version.ham_examples} not spam, "
                    f"{version.background_examples} unmarked posts; {version.metrics})"
                )
        elif action == "rollback":
            (organization,) = self._organizations(slug, with_decisions=False)
            try:
                version = spam_filter_rollback(organization=organization)
            except ValidationError as exc:
                raise CommandError(errors_text(exc)) from None
            self.stdout.write(f"{organization.slug}: version {version.number} active again.")
        else:
            for organization in self._organizations(slug, with_decisions=False):
                for version in version_list(organization=organization):
                    active = " (active)" if version.is_active else ""
                    self.stdout.write(
                        f"{organization.slug} v{version.number}{active} "
                        f"{version.created_at:%Y-%m-%d %H:%M} {version.trigger}: "
                        f"{version.spam_examples} spam, {version.ham_examples} not spam, "
                        f"{version.background_examples} unmarked; {version.metrics}"
                    )
