"""``sayso reseal-credentials``: seal every stored source credential again with the newest key
of ``SAYSO_ENCRYPTION_KEY``, the step between adding a new key and dropping the old one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sayso.listening.services import source_credentials_reseal


class Command(BaseCommand):
    help = (
        "Seal every stored source credential again with the newest key of "
        "SAYSO_ENCRYPTION_KEY (key rotation: docs/deploy.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = source_credentials_reseal()
        self.stdout.write(f"{report.resealed} credential(s) sealed with the newest key.")
        if report.unreadable:
            names = ", ".join(
                f"#{source.pk} {source.name} ({source.organization_id})"
                for source in report.unreadable
            )
            raise CommandError(
                f"{len(report.unreadable)} credential(s) no configured key opens, left as they "
                f"are (the admins must enter them again): {names}."
            )
