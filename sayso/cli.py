"""The ``sayso`` command: every Django management command plus Sayso's own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sayso.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sayso", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
