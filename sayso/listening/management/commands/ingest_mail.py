"""`sayso ingest-mail`: feed mail from a maildir, an mbox file, .eml files or stdin into an
organization's cases, the way an MTA pipe or a one-off import would.

Each message goes through ``email_ingest`` in its own transaction, so a broken message is
reported and skipped while the others are stored; running the same import again stores
nothing twice (messages are recognised by their Message-ID).
"""

from __future__ import annotations

import functools
import mailbox
import os
import sys
from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from tqdm import tqdm

from sayso.core.errors import errors_text
from sayso.core.selectors import organization_by_slug
from sayso.listening.email import email_receive

STDIN = "-"
# sysexits.h EX_TEMPFAIL: an MTA piping mail here keeps the message and delivers it again
# later, instead of bouncing it to the customer.
EX_TEMPFAIL = 75


@dataclass
class Source:
    """One PATH argument: where its messages come from and how many there are."""

    path: str
    kind: str  # "maildir", "mbox", "message" or "stdin"
    count: int
    # Yields (label, read) per message; read() returns the raw bytes (or raises OSError).
    messages: Callable[[], Iterator[tuple[str, Callable[[], bytes]]]]


def _maildir(path: Path) -> Source:
    # A maildir's messages are the files in new/ and cur/ (names starting with "." are
    # being written or are not mail). Oldest delivery first (file modification time, which
    # the MTA sets when it delivers), so a message is stored before the replies that thread
    # onto it.
    entries = [
        entry
        for folder in ("new", "cur")
        for entry in os.scandir(path / folder)
        if not entry.name.startswith(".") and entry.is_file()
    ]
    entries.sort(key=lambda entry: (entry.stat().st_mtime_ns, entry.name))
    files = [Path(entry.path) for entry in entries]

    def messages() -> Iterator[tuple[str, Callable[[], bytes]]]:
        for file in files:
            yield str(file), file.read_bytes

    return Source(str(path), "maildir", len(files), messages)


def _mbox(path: Path) -> Source:
    box = mailbox.mbox(str(path), factory=None, create=False)
    keys = list(box.keys())

    def messages() -> Iterator[tuple[str, Callable[[], bytes]]]:
        for number, key in enumerate(keys, start=1):
            yield f"{path} message {number}", functools.partial(box.get_bytes, key)

    return Source(str(path), "mbox", len(keys), messages)


def _single(path: Path) -> Source:
    def messages() -> Iterator[tuple[str, Callable[[], bytes]]]:
        yield str(path), path.read_bytes

    return Source(str(path), "message", 1, messages)


def _stdin() -> Source:
    def messages() -> Iterator[tuple[str, Callable[[], bytes]]]:
        yield "<stdin>", sys.stdin.buffer.read

    return Source(STDIN, "stdin", 1, messages)


def source_for(argument: str) -> Source:
    """Recognise what a PATH argument is, or raise ``CommandError`` saying why not."""
    if argument == STDIN:
        return _stdin()
    path = Path(argument)
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return _maildir(path)
        raise CommandError(
            f"{argument} is a directory but not a maildir (it has no cur/ and new/ folders)."
        )
    if not path.is_file():
        raise CommandError(f"{argument}: no such file or directory.")
    try:
        with path.open("rb") as handle:
            start = handle.read(5)
    except OSError as exc:
        raise CommandError(f"{argument} could not be read: {exc.strerror or exc}") from None
    return _mbox(path) if start == b"From " else _single(path)


class Command(BaseCommand):
    help = (
        "Store inbound email for an organization from maildirs, mbox files, single .eml "
        "messages or stdin ('-'). Re-running is safe: messages already stored are skipped."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--org", required=True, metavar="SLUG", help="The organization the mail is for."
        )
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="A maildir directory, an mbox file, a single message file, or '-' to read "
            "one message from stdin.",
        )
        parser.add_argument("--quiet", action="store_true", help="Show no progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["org"]
        organization = organization_by_slug(slug=slug)
        if organization is None:
            raise CommandError(
                f"No organization with the slug “{slug}”. The slug is the short name in "
                "staff addresses (/staff/<slug>/)."
            )
        if options["paths"].count(STDIN) > 1:
            raise CommandError("'-' (stdin) can be given once: stdin holds one message.")
        # Check every path before storing anything, so a typo does not import half a run.
        sources = [source_for(argument) for argument in options["paths"]]
        total = sum(source.count for source in sources)
        created = present = failed = automated = 0
        stopped: str = ""
        bar = tqdm(
            total=total,
            unit="msg",
            desc="Ingesting",
            file=sys.stderr,
            disable=options["quiet"] or not sys.stderr.isatty(),
        )
        with bar:
            for source in sources:
                for label, read in source.messages():
                    try:
                        raw = read()
                        with transaction.atomic():
                            result = email_receive(organization=organization, raw=raw)
                    except DatabaseError as exc:
                        stopped = f"{label}: the database failed ({exc})"
                        break
                    except ValidationError as exc:
                        failed += 1
                        self._report(bar, f"{label}: {errors_text(exc)}")
                    except OSError as exc:
                        failed += 1
                        self._report(bar, f"{label}: could not be read: {exc.strerror or exc}")
                    else:
                        if result.created:
                            created += 1
                            automated += result.automated is not None
                        else:
                            present += 1
                    bar.update(1)
                if stopped:
                    break
        self.stdout.write(
            f"{organization.name}: {created} created, {present} already present "
            f"(re-delivered), {failed} failed."
            + (
                f" {automated} of the created were automated mail (bounces, auto-replies, "
                "lists…): kept for staff under Automated mail, no case opened."
                if automated
                else ""
            )
        )
        if stopped:
            raise CommandError(
                f"{stopped}. Stopped there; nothing is lost: run the same command again.",
                returncode=EX_TEMPFAIL,
            )
        if failed:
            raise CommandError(
                f"{failed} message(s) could not be stored; see the reasons above.", returncode=1
            )

    def _report(self, bar: tqdm[Any], line: str) -> None:
        if bar.disable:
            self.stderr.write(line)
        else:
            bar.write(line, file=sys.stderr)
