"""`sayso rotate-receipt-key`: sign consent receipts with a new key from now on, keeping the
old one published so that the receipts it signed still verify; `--list` the keys, `--retire KID`
to stop publishing one."""

from __future__ import annotations

from argparse import REMAINDER, ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sayso.consent import receipts
from sayso.consent.models import ReceiptKey


class Command(BaseCommand):
    help = (
        "Rotate the consent-receipt signing key (the old one stays published), list or retire keys."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--list", action="store_true", help="list the keys and exit")
        # A kid is a base64url thumbprint and may begin with "-", which argparse would take for
        # an option: the argument takes what follows it as it is.
        parser.add_argument(
            "--retire",
            nargs=REMAINDER,
            metavar="KID",
            help="stop publishing an earlier key (its receipts stop verifying)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["list"]:
                receipts.key_remember()
                current = receipts.public_key_set()["keys"][0]["kid"]
                for key in ReceiptKey.objects.order_by("created_at", "id"):
                    state = (
                        "signing"
                        if key.kid == current
                        else f"retired {key.retired_at:%Y-%m-%d}"
                        if key.retired_at
                        else "published"
                    )
                    self.stdout.write(f"{key.kid}  {key.algorithm}  {state}")
                return
            if options["retire"] is not None:
                retired = receipts.key_retire(_one_kid(options["retire"]))
                self.stdout.write(f"Retired {retired.kid}: it is no longer published.")
                return
            old, new = receipts.key_rotate()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Receipts are now signed with {new.kid}; {old.kid} stays published for the "
            "receipts it signed."
        )


def _one_kid(given: str | list[str]) -> str:
    """The one kid after ``--retire`` (a list from the command line, a string from
    ``call_command(retire=...)``)."""
    kids = [given] if isinstance(given, str) else given
    if len(kids) != 1 or not kids[0].strip():
        raise CommandError("--retire takes one key id (see --list).")
    return kids[0].strip()
