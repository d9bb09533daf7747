"""`sayso backup [--output FILE]`: a consistent backup of the database (sayso/core/backup.py)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sayso.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup, or pg_dump on PostgreSQL)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="The file to write (default: DATA_DIR/backups/…)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup_create(output=options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
