"""`sayso restore FILE [--force]`: the database as the backup holds it (sayso/core/backup.py).
Stop the web server and workers first."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sayso.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore the database from a `sayso backup` file (stop the server and workers first)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that holds data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup_restore(source=options["file"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored from {options['file']}.")
