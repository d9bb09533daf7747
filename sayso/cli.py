"""The ``sayso`` command: every Django management command plus Sayso's own."""

from __future__ import annotations

import os
import sys

from django.core.management import BaseCommand, ManagementUtility, get_commands


class _Utility(ManagementUtility):
    """Django's command line, also accepting ``ingest-mail`` for ``ingest_mail``."""

    def fetch_command(self, subcommand: str) -> BaseCommand:
        if "-" in subcommand and not subcommand.startswith("-"):
            alias = subcommand.replace("-", "_")
            commands = get_commands()
            if subcommand not in commands and alias in commands:
                subcommand = alias
        return super().fetch_command(subcommand)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sayso.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _Utility(["sayso", *(sys.argv[1:] if argv is None else argv)]).execute()


if __name__ == "__main__":
    main()
