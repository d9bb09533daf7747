"""`sayso import-personal-data FILE --organization SLUG`: recreate a customer from their
export (the zip from the portal or its personal-data.json) — identities, consent history,
cases and messages, commitments, intents and offers, deals, public posts, votes and follows —
e.g. when they move to another Sayso installation. Running it again adds only what is
missing."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sayso.core.errors import errors_text
from sayso.core.selectors import organization_by_slug
from sayso.privacy.importer import document_read, personal_data_import


class Command(BaseCommand):
    help = "Recreate a customer from a personal-data export (zip or JSON)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the export: the portal's zip or personal-data.json")
        parser.add_argument("--organization", required=True, help="the organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_by_slug(slug=options["organization"])
        if organization is None:
            raise CommandError(f"No organization {options['organization']!r}.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            report = personal_data_import(organization=organization, document=document_read(data))
        except ValidationError as exc:
            raise CommandError(errors_text(exc)) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise CommandError(f"A malformed export: {exc!r}") from exc
        customer = report.customer
        added = ", ".join(f"{count} {kind}" for kind, count in sorted(report.added.items()))
        if report.repeated:
            self.stdout.write(
                f"Customer {customer.pk} ({customer.display_name}) was imported from this export "
                f"before: {'added what was missing: ' + added if added else 'nothing new'}."
            )
        else:
            self.stdout.write(
                f"Imported customer {customer.pk} ({customer.display_name}) into "
                f"{organization.slug}: {customer.identities.count()} identities, "
                f"{customer.consents.count()} consent decisions, {customer.cases.count()} cases "
                f"({added or 'nothing else'})."
            )
        for what in report.left_out:
            self.stdout.write(f"Left out: {what}")
